import { guard } from '@eventwire/kit'
import type { AppLogger } from '@eventwire/protocol'
import { ChatErrorCodes } from './core/events.js'
import type { Member } from './core/member.js'
import { LeaveReasons, type ChatRoom } from './core/room.js'

/**
 * Wraps the handler at a transport's message boundary (a socket's 'data', a
 * WebSocket 'message'). Decoders and the room are written not to throw; if one
 * does anyway, the exception must not escape the socket callback, where it
 * would stop the process for every member. Instead it is logged with its
 * stack, and only the member whose input caused it is told and disconnected.
 * `hangUp` closes the connection even if the room could not.
 */
export function guardInput<A extends unknown[]> (
  handler: (...args: A) => void,
  context: { room: ChatRoom, logger: AppLogger },
  member: () => Member,
  hangUp: () => void
): (...args: A) => void {
  return guard(handler, memberFailure(context, member, hangUp))
}

/**
 * What guardInput does with an exception, as one function a connection can
 * share between all its guarded handlers (a transport with thousands of
 * members pays for one of these per member, not one per handler).
 */
export function memberFailure (context: { room: ChatRoom, logger: AppLogger }, member: () => Member, hangUp: () => void): (err: unknown) => void {
  return (err) => {
    const m = member()
    context.logger.error({ err, id: m.id, nick: m.nick, transport: m.transport.kind }, 'input handler threw; disconnecting that member')
    try {
      if (m.present) m.transport.send({ type: 'error', code: ChatErrorCodes.INTERNAL_ERROR, text: 'internal error: the server could not handle your last message; you are disconnected, reconnect to carry on' })
      context.room.kick(m, LeaveReasons.INTERNAL_ERROR, true)
    } finally {
      hangUp()
    }
  }
}
