import { STATUS_CODES } from 'node:http'

/**
 * Every way a request can fail, with the HTTP answer it gets: the one table
 * from code to status and Retry-After (as fastify's lib/errors.js gives each
 * FST_ERR_* its status). Routes, the pool and the links only say which code
 * and why (the message); the status and headers come from here.
 */
export const FAILURES = {
  /**
   * No connection to status-server is up. The message says which case: not
   * connected yet, a link was lost and is being reopened, or unreachable (a
   * connection attempt failed, with the reason). Retry-After: when the next
   * reconnection attempt is due (the failure says), at least 1 s.
   */
  ERR_UPSTREAM_DOWN: { statusCode: 503, retryAfterSeconds: 1 },
  /** Too many lookups are already waiting for status-server. */
  ERR_QUEUE_FULL: { statusCode: 503, retryAfterSeconds: 1 },
  /** The connection carrying this lookup closed before its reply came (or the bridge is shutting down). */
  ERR_UPSTREAM_LOST: { statusCode: 503, retryAfterSeconds: 1 },
  /** No reply within timeoutMs. */
  ERR_UPSTREAM_TIMEOUT: { statusCode: 504 },
  /** status-server does not know this code. */
  ERR_UNKNOWN_STATUS_CODE: { statusCode: 404 },
  /**
   * status-server answered with something that cannot be this request's reply
   * (our status-server's line for another code, an empty or oversized line):
   * replies are out of step, so the connection is reopened.
   */
  ERR_BAD_UPSTREAM_REPLY: { statusCode: 502 },
  /** status-server answered with an `Error:` line other than an unknown code (it refused, or is closing). */
  ERR_UPSTREAM_ERROR: { statusCode: 502 },
  /** No route here: the body lists the ones there are. */
  ERR_NOT_FOUND: { statusCode: 404 }
} as const satisfies Record<string, { statusCode: number, retryAfterSeconds?: number }>

export type FailureCode = keyof typeof FAILURES

/** The codes by name, for comparisons in code: `FailureCodes.UPSTREAM_DOWN === 'ERR_UPSTREAM_DOWN'`. */
export const FailureCodes = {
  UPSTREAM_DOWN: 'ERR_UPSTREAM_DOWN',
  QUEUE_FULL: 'ERR_QUEUE_FULL',
  UPSTREAM_LOST: 'ERR_UPSTREAM_LOST',
  UPSTREAM_TIMEOUT: 'ERR_UPSTREAM_TIMEOUT',
  UNKNOWN_STATUS_CODE: 'ERR_UNKNOWN_STATUS_CODE',
  BAD_UPSTREAM_REPLY: 'ERR_BAD_UPSTREAM_REPLY',
  UPSTREAM_ERROR: 'ERR_UPSTREAM_ERROR',
  NOT_FOUND: 'ERR_NOT_FOUND'
} as const satisfies Record<string, FailureCode>

/**
 * Why a request got no description. Plain objects, not Error instances: during
 * an outage every request fails, and capturing a stack trace each time would
 * make the failure path slower than the success path.
 */
export interface LookupFailure {
  /** Stable code for clients and logs; FAILURES gives its HTTP status. The message may be reworded. */
  readonly code: FailureCode
  readonly message: string
  /** Overrides the table's Retry-After when the failure knows better (ERR_UPSTREAM_DOWN: the next attempt). */
  readonly retryAfterSeconds?: number
}

/** The HTTP answer to a failure, fastify's error shape so that clients parse one shape for every error. */
export interface FailureResponse {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: { statusCode: number, code: FailureCode, error: string, message: string }
}

export function failureResponse (failure: LookupFailure): FailureResponse {
  const entry: { statusCode: number, retryAfterSeconds?: number } = FAILURES[failure.code]
  const retryAfter = failure.retryAfterSeconds ?? entry.retryAfterSeconds
  return {
    statusCode: entry.statusCode,
    headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    body: { statusCode: entry.statusCode, code: failure.code, error: STATUS_CODES[entry.statusCode] ?? 'Error', message: failure.message }
  }
}
