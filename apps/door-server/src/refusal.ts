import { encodeEvent } from '@eventwire/protocol'

/**
 * The first frame a client sends when the server has a client token:
 * `["auth", token]`. Reserved in the door protocol: it is never a door event,
 * never rebroadcast, and dropped (with a log) when it arrives at any other time.
 */
export const AUTH_EVENT = 'auth'

/**
 * What the server sends before it closes a connection it will not serve:
 * `["refused", {"code": "...", "message": "..."}]`, the `{code, message}` shape
 * of the protocol's wire errors. Not `"error"`: the protocol reserves that name,
 * and a plain duplex-emitter client with no 'error' listener would throw on it.
 */
export const REFUSED_EVENT = 'refused'

/** The codes of a refusal (the first is the kit's for plain HTTP on an HTTPS port too). */
export const RefusalCodes = {
  /** A plain-text client on a TLS port. Connecting again the same way will not help. */
  TLS_REQUIRED: 'ERR_TLS_REQUIRED',
  /** No `["auth", token]` first, a wrong token, or none within the deadline. */
  UNAUTHORIZED: 'ERR_UNAUTHORIZED'
} as const

export type RefusalCode = typeof RefusalCodes[keyof typeof RefusalCodes]

export interface Refusal {
  code: string
  message: string
}

/** The refusal as one line on the wire. */
export function refusalFrame (code: RefusalCode, message: string): string {
  return encodeEvent(REFUSED_EVENT, [{ code, message } satisfies Refusal])
}

/** What a plain-text client on the TLS event port reads before the close (nc shows it as it is). */
export const TLS_REQUIRED_FRAME = refusalFrame(
  RefusalCodes.TLS_REQUIRED,
  'this port speaks TLS: connect with door-client --tls (and --ca FILE for a private CA) or openssl s_client -quiet -connect HOST:PORT'
)

/** The messages of the token check, word for word what the client prints. */
export const AuthRefusals = {
  NOT_FIRST: `this server needs a token: send ${JSON.stringify([AUTH_EVENT, 'token'])} first`,
  WRONG: 'wrong token',
  timedOut: (ms: number) => `timed out waiting for ${JSON.stringify([AUTH_EVENT, 'token'])} (${ms} ms)`
} as const

/** A refusal frame's argument checked before use (it is the server's input to the client), or null. */
export function parseRefusal (value: unknown): Refusal | null {
  if (typeof value !== 'object' || value === null) return null
  const { code, message } = value as Record<string, unknown>
  if (typeof code !== 'string' || typeof message !== 'string') return null
  // Bounded and printable: a hostile server must not flood or drive the client's terminal.
  const clean = (text: string): string => text.slice(0, 300).replace(/[\x00-\x1f\x7f]/g, '?')
  return { code: clean(code), message: clean(message) }
}
