import type { LogEntry } from '@eventwire/cluster'
import type { PrivateEvent, RoomEvent, RoomEventDraft } from '../core/events.js'
import type { PrivateIds } from '../core/room-bus.js'

/** One entry of the room's log, decoded: a room-wide event (with its seq), or a private message. */
export type Entry =
  | { kind: 'room', event: RoomEvent }
  | { kind: 'private', event: PrivateEvent, ids: PrivateIds }

// The fields each type carries, in wire order. Only these are copied from an entry, so whatever
// else another writer put in the stream never reaches a client.
const FIELDS: Readonly<Record<string, ReadonlyArray<readonly [string, 'string' | 'number']>>> = {
  message: [['from', 'string'], ['fromId', 'string'], ['text', 'string'], ['ts', 'number']],
  action: [['from', 'string'], ['fromId', 'string'], ['text', 'string'], ['ts', 'number']],
  join: [['nick', 'string'], ['fromId', 'string'], ['ts', 'number']],
  leave: [['nick', 'string'], ['reason', 'string'], ['code', 'string'], ['fromId', 'string'], ['ts', 'number']],
  nick: [['from', 'string'], ['to', 'string'], ['fromId', 'string'], ['ts', 'number']],
  private: [['from', 'string'], ['to', 'string'], ['text', 'string'], ['ts', 'number'], ['fromId', 'string'], ['toId', 'string']]
}

/** A room event as it is appended: the draft's JSON (the log gives it its seq). */
export function encodeRoomEvent (draft: RoomEventDraft): string {
  return JSON.stringify(draft)
}

/** A private message as it is appended: the event plus the ids of its two parties. */
export function encodePrivate (event: PrivateEvent, ids: PrivateIds): string {
  return JSON.stringify({ ...event, fromId: ids.fromId, toId: ids.toId })
}

/** Decodes and validates one entry; undefined for anything that is not one of ours (never throws). */
export function decodeEntry (entry: LogEntry): Entry | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(entry.data)
  } catch {
    return undefined
  }
  if (typeof raw !== 'object' || raw === null) return undefined
  const source = raw as Record<string, unknown>
  const type = source.type
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) return undefined
  const out: Record<string, unknown> = { type }
  for (const [name, kind] of FIELDS[type] as ReadonlyArray<readonly [string, string]>) {
    const value = source[name]
    if (typeof value !== kind) return undefined
    out[name] = value
  }
  if (type === 'private') {
    const { fromId, toId, ...event } = out
    return { kind: 'private', event: event as unknown as PrivateEvent, ids: { fromId: fromId as string, toId: toId as string } }
  }
  out.seq = entry.seq
  return { kind: 'room', event: out as unknown as RoomEvent }
}
