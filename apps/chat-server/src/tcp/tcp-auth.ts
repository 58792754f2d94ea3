import { ChatErrorCodes } from '../core/events.js'
import { formatLine } from './format.js'

/**
 * CHAT_TOKEN on the TCP port: a connection is no member of the room (nobody
 * hears of it, it hears nobody) until its first line is `/auth TOKEN`. These
 * are that exchange's lines, in the port's own style (`* ` the server
 * speaking, `! ` an error), and the reading of the line. No text here ever
 * holds the token, given or expected.
 */

/** The one line a connection gets before its `/auth`. */
export const AUTH_PROMPT = Buffer.from(formatLine({ type: 'system', text: 'this room needs an access token: send /auth <token> as your first line' }, ''))

/** Why a connection was turned away before it joined. */
export type AuthRefusal = 'wrong' | 'not-auth' | 'timeout'

/** The error line for a refusal; the connection is closed after it. */
export function authRefusalLine (why: AuthRefusal, timeoutMs: number): string {
  // The code is never shown on this port; BAD_REQUEST is what the room itself answers a malformed line with.
  const error = (text: string): string => formatLine({ type: 'error', code: ChatErrorCodes.BAD_REQUEST, text }, '')
  switch (why) {
    case 'wrong':
      return error('wrong access token; closing. Reconnect and send /auth <token> with the token the server was started with')
    case 'not-auth':
      return error('this room needs an access token and the first line must be /auth <token>; closing')
    case 'timeout':
      return error(`no /auth <token> within ${formatSeconds(timeoutMs)}; closing`)
  }
}

function formatSeconds (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}

// `/auth`, any case, then the token: the rest of the line without the spaces around it.
const AUTH = /^\/auth\s+(\S.*?)\s*$/i

/** The token of an `/auth TOKEN` line; undefined for any other line (a bare `/auth` included). */
export function authToken (line: string): string | undefined {
  return AUTH.exec(line)?.[1]
}
