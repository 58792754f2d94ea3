import type { IncomingMessage } from 'node:http'
import { errorBody } from '@eventwire/kit'
import type { UpgradeRefusal } from '@eventwire/kit/web'

/**
 * CHAT_TOKEN on the web port: `/ws` opens only for a request that carries
 * the token, as `Authorization: Bearer TOKEN` (programs) or `?token=TOKEN`
 * (the page, since a browser's WebSocket cannot set headers). The page and
 * the ops routes stay open: they show nothing of the room.
 */

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** Whether the request carries the token, in either place. Each candidate is compared in constant time. */
export function carriesToken (request: IncomingMessage, check: (candidate: unknown) => boolean): boolean {
  const header = request.headers.authorization
  if (typeof header === 'string' && check(BEARER.exec(header)?.[1])) return true
  const query = (request.url ?? '').split('?', 2)[1]
  return query !== undefined && check(new URLSearchParams(query).get('token') ?? undefined)
}

/** The 401, in the shared error shape; it names where the token goes, never the token. */
export const UNAUTHORIZED_BODY = JSON.stringify(errorBody(401, 'ERR_UNAUTHORIZED', 'missing or wrong access token: send Authorization: Bearer <token>, or connect to /ws?token=<token> (in a browser, open the page as /?token=<token>)'))

export const UNAUTHORIZED_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="eventwire chat"' }

/** The refusal of an upgrade without the token: 401 before the handshake, so no socket is opened. */
export const UNAUTHORIZED_UPGRADE: UpgradeRefusal = { status: 401, body: UNAUTHORIZED_BODY, headers: UNAUTHORIZED_HEADERS }
