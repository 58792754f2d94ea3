import { LeaveCodes, type LeaveReason } from '../core/events.js'
import type { IrcShared } from './irc-session.js'

/**
 * CHAT_TOKEN on the IRC port is the server password: `PASS <token>` before
 * NICK/USER, judged when registration ends, as every ircd does. A client
 * without it never joins the room.
 */

/** The close after a 464: the ERROR line reads `Closing link: * (Bad password)`. */
export const BAD_PASSWORD: LeaveReason = { code: LeaveCodes.CLOSED, text: 'Bad password' }

/** What registration needs to judge the password: the transport's check, the PASS given, and a way to answer. */
interface Registering {
  readonly ctx: Pick<IrcShared, 'checkToken' | 'logger'>
  readonly password: string | undefined
  reply: (code: string, params: readonly string[], trailing?: string) => void
}

/** True when registration may go on (no token set, or PASS was it); else 464 has been sent and the caller closes. */
export function passwordAccepted (s: Registering): boolean {
  const check = s.ctx.checkToken
  if (check === undefined || check(s.password)) return true
  s.reply('464', [], 'Password incorrect')
  s.ctx.logger.debug({ transport: 'irc' }, 'irc client refused: wrong or missing PASS')
  return false
}
