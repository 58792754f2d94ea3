import { SystemCodes, type RoomEvent, type ServerEvent } from './events.js'
import type { Member } from './member.js'
import type { BusNotices } from './room-bus.js'

/**
 * How the room passes on what its bus says besides room events: a private
 * message from the log to its two parties if they are here, and gaps,
 * resets and the link's state to everyone, as SystemEvents with a `code`.
 */
export function roomNotices (members: ReadonlyMap<string, Member>, deliver: (member: Member, event: ServerEvent) => boolean): BusNotices {
  const tellAll = (event: ServerEvent): void => {
    // A copy of the list: a member dropped as too slow leaves the map meanwhile.
    for (const member of [...members.values()]) deliver(member, event)
  }
  return {
    private: (event, ids) => {
      const to = members.get(ids.toId)
      const from = members.get(ids.fromId)
      // Two objects, not one shared: the TCP rendering differs for sender and recipient.
      if (to !== undefined) deliver(to, { ...event })
      if (from !== undefined && from !== to) deliver(from, { ...event })
    },
    gap: (missed) => {
      tellAll({ type: 'system', code: SystemCodes.MISSED, missed, text: `this server fell behind the room: ${missed} events were missed and cannot be shown` })
    },
    reset: (epoch) => {
      tellAll({ type: 'system', code: SystemCodes.RESET, epoch, text: 'the room\'s history was reset (its log was lost and started again); reload it' })
    },
    link: (up) => {
      tellAll(up
        ? { type: 'system', code: SystemCodes.REDIS_UP, text: 'Redis is back: messages reach the room again' }
        : { type: 'system', code: SystemCodes.REDIS_DOWN, text: 'Redis unavailable: what you send now is not delivered (you are told each time); reading resumes when it is back' })
    }
  }
}

/**
 * A delivered room-wide event, to every member here: a join only to those who
 * came before the joiner, a message or action to its author only if its
 * transport echoes. Returns the members whose queue was full, to be dropped
 * after the loop so the leave notices they cause don't interleave with it.
 */
export function fanOutTo (members: ReadonlyMap<string, Member>, event: RoomEvent, send: (member: Member, event: RoomEvent) => boolean): Member[] | undefined {
  const author = members.get(event.fromId)
  const mine = event.type === 'message' || event.type === 'action'
  let slow: Member[] | undefined
  for (const member of members.values()) {
    if (member === author) {
      if (event.type === 'join') break
      if (mine && !member.transport.echo) continue
    }
    if (!send(member, event)) (slow ??= []).push(member)
  }
  return slow
}

/** One event object to every member here (a presence digest); returns the members whose queue was full, as fanOutTo. */
export function sendToAll (members: ReadonlyMap<string, Member>, event: ServerEvent, send: (member: Member, event: ServerEvent) => boolean): Member[] | undefined {
  let slow: Member[] | undefined
  for (const member of members.values()) if (!send(member, event)) (slow ??= []).push(member)
  return slow
}
