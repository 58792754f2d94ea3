import { ErrorCodes, ProtocolError } from './errors.js'

/** The error part of a `$res` frame: `{"code": "...", "message": "..."}`. */
export interface WireError { code?: unknown, message?: unknown }

/** What a handler's failure looks like on the wire: its code if it has a string one, and its message. */
export function toWireError (err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return { code: typeof code === 'string' ? code : ErrorCodes.REMOTE_ERROR, message: err.message }
  }
  let message: string
  try {
    message = String(err)
  } catch {
    message = 'remote handler failed'
  }
  return { code: ErrorCodes.REMOTE_ERROR, message }
}

/**
 * The local error for a peer's failure response. Only ERR_NO_HANDLER keeps its
 * meaning locally; every other remote code becomes ERR_REMOTE_ERROR with the
 * remote code in `details.remoteCode`, so a peer cannot make us report, say, a
 * timeout that never happened.
 */
export function fromWireError (wire: unknown): ProtocolError {
  const w = (typeof wire === 'object' && wire !== null ? wire : {}) as WireError
  const remoteCode = typeof w.code === 'string' ? w.code : ErrorCodes.REMOTE_ERROR
  const message = typeof w.message === 'string' ? w.message : 'remote handler failed'
  const code = remoteCode === ErrorCodes.NO_HANDLER ? ErrorCodes.NO_HANDLER : ErrorCodes.REMOTE_ERROR
  return new ProtocolError(code, message, { remoteCode })
}
