/**
 * Stable error codes. Callers switch on `err.code`, never on the message:
 * messages may be reworded, codes are part of the public contract.
 */
export const ErrorCodes = {
  /** A line grew past `maxLineBytes` before its newline arrived. */
  FRAME_TOO_LARGE: 'ERR_FRAME_TOO_LARGE',
  /** A line was not valid JSON. */
  INVALID_JSON: 'ERR_INVALID_JSON',
  /** Valid JSON, but not `["event", ...args]` with a string event name. */
  INVALID_FRAME: 'ERR_INVALID_FRAME',
  /** The event name is reserved (emitter internals or protocol extensions). */
  RESERVED_EVENT: 'ERR_RESERVED_EVENT',
  /** A value cannot be encoded as a JSON frame (undefined, a function, a cycle, a BigInt). */
  UNENCODABLE: 'ERR_UNENCODABLE',
  /** No response arrived within the request timeout. */
  REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  /** Too many requests are waiting for a response on this connection. */
  TOO_MANY_REQUESTS: 'ERR_TOO_MANY_REQUESTS',
  /** The peer has no handler for the requested method. */
  NO_HANDLER: 'ERR_NO_HANDLER',
  /** The peer's handler failed; `message` carries its reason. */
  REMOTE_ERROR: 'ERR_REMOTE_ERROR',
  /** The connection closed before the operation completed. */
  CLOSED: 'ERR_CLOSED',
  /** The peer stopped answering heartbeats. */
  HEARTBEAT_TIMEOUT: 'ERR_HEARTBEAT_TIMEOUT',
  /** A connection attempt did not complete within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 'ERR_CONNECT_TIMEOUT',
  /** `reconnect()` gave up after `failAfter` attempts. */
  RECONNECT_FAILED: 'ERR_RECONNECT_FAILED',
  /** The peer is not reading: more than `maxBufferedBytes` wait to be sent to it. */
  QUEUE_FULL: 'ERR_QUEUE_FULL',
  /** An option was out of range. */
  INVALID_OPTION: 'ERR_INVALID_OPTION'
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** Every error the protocol raises: a stable `code`, `name` 'ProtocolError', and a message that says what to do. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  readonly code: ErrorCode
  /** Extra facts for logs: the offending line's start, a limit, an event name. */
  readonly details: Readonly<Record<string, unknown>>

  constructor (code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.details = details
  }
}

/** True when `err` is a ProtocolError with the given code. */
export function isProtocolError (err: unknown, code?: ErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code)
}

/**
 * Throws ERR_INVALID_OPTION unless `value` is a finite number >= min (and, when
 * asked, a whole number <= max). The one check every factory's options go
 * through, so a bad option reads the same in every app.
 */
export function assertNumberOption (name: string, value: number, min: number, rules: { integer?: boolean, max?: number } = {}): void {
  const max = rules.max ?? Infinity
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (rules.integer !== true || Number.isInteger(value))
  if (ok) return
  const kind = rules.integer === true ? 'a whole number' : 'a finite number'
  const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`
  const shown = typeof value === 'number' ? String(value) : typeof value
  throw new ProtocolError(ErrorCodes.INVALID_OPTION, `option ${name} must be ${kind} ${range}, got ${shown}`, { option: name, value: shown })
}
