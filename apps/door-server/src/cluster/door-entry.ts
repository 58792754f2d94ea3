import type { LogEntry } from '@eventwire/cluster'
import type { DoorEvent, DoorEventName, DoorSnapshot } from '../types.js'

/**
 * One entry of the door's log, as JSON: the event, the id of its publish
 * (`<instance>:<n>`, also the append's dedupe id, so a retried append is stored
 * once and the publisher recognises its own event when it is delivered), and
 * for `offline` the name of the cluster-wide flag that was claimed for it.
 */
export interface DoorEntry {
  e: DoorEvent
  id: string
  flag?: string
}

/** What is kept in Redis as the door's state: the fold of the log up to `position`. */
export interface StoredDoorState {
  snapshot: DoorSnapshot
  position: { id: string, seq: number, epoch: string }
}

const NAMES: ReadonlySet<string> = new Set<DoorEventName>(['open', 'close', 'offline', 'online'])

/** The largest timestamp a Date holds: anything beyond is not a time. */
const MAX_DATE_MS = 8.64e15

function isEvent (value: unknown): value is DoorEvent {
  const e = value as { name?: unknown, at?: unknown } | null
  return typeof e === 'object' && e !== null && typeof e.name === 'string' && NAMES.has(e.name) &&
    typeof e.at === 'number' && Number.isFinite(e.at) && Math.abs(e.at) <= MAX_DATE_MS
}

/** The entry in `data`, or null when it is not one (another program's entry, a newer format): skipped, never thrown. */
export function decodeDoorEntry (data: string): DoorEntry | null {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return null
  }
  const entry = value as Partial<DoorEntry> | null
  if (typeof entry !== 'object' || entry === null || !isEvent(entry.e) || typeof entry.id !== 'string') return null
  const decoded: DoorEntry = { e: { name: entry.e.name, at: entry.e.at }, id: entry.id }
  if (typeof entry.flag === 'string') decoded.flag = entry.flag
  return decoded
}

/** A stored state read back, or null when it is unusable (then the instance starts from the log alone). */
export function decodeStoredState (value: unknown): StoredDoorState | null {
  const v = value as Partial<StoredDoorState> | null
  const s = v?.snapshot
  const p = v?.position
  if (typeof s !== 'object' || s === null || typeof p !== 'object' || p === null) return null
  if (typeof p.id !== 'string' || typeof p.seq !== 'number' || typeof p.epoch !== 'string') return null
  const doorOk = s.door === null || s.door === 'open' || s.door === 'close'
  if (!doorOk || typeof s.online !== 'boolean') return null
  return {
    snapshot: { door: s.door, since: s.door === null ? null : numberOrNull(s.since), online: s.online, offlineSince: s.online ? null : numberOrNull(s.offlineSince) },
    position: { id: p.id, seq: p.seq, epoch: p.epoch }
  }
}

function numberOrNull (n: unknown): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}

/**
 * The SharedState timestamp of the state after `entry`: its stream id as one
 * number (ms × 1000 + the id's sequence part). Stream ids only grow, even
 * across a Redis restart, so a late write by a slow instance (an older entry)
 * never replaces the state after a newer one.
 */
export function stampOf (entry: Pick<LogEntry, 'id'>): number {
  const [ms, part] = entry.id.split('-')
  return Number(ms) * 1000 + Math.min(Number(part ?? 0), 999)
}
