/**
 * Why a lookup got no description. Plain objects, not Error instances: during an
 * outage every request fails, and capturing a stack trace each time would make
 * the failure path slower than the success path.
 */
export interface LookupFailure {
  /** HTTP status the bridge answers with. */
  readonly statusCode: 404 | 502 | 503 | 504
  /** Stable code for clients and logs; the message may be reworded. */
  readonly code: FailureCode
  readonly message: string
  /** Seconds for the Retry-After header, for failures worth retrying. */
  readonly retryAfterSeconds?: number
}

export const FailureCodes = {
  /**
   * No connection to status-server is up. The message says which case: not
   * connected yet, a link was lost and is being reopened, or unreachable (a
   * connection attempt failed, with the reason).
   */
  UPSTREAM_DOWN: 'ERR_UPSTREAM_DOWN',
  /** Too many lookups are already waiting for status-server. */
  QUEUE_FULL: 'ERR_QUEUE_FULL',
  /** The connection carrying this lookup closed before its reply came. */
  UPSTREAM_LOST: 'ERR_UPSTREAM_LOST',
  /** No reply within timeoutMs. */
  UPSTREAM_TIMEOUT: 'ERR_UPSTREAM_TIMEOUT',
  /** status-server does not know this code. */
  UNKNOWN_STATUS_CODE: 'ERR_UNKNOWN_STATUS_CODE',
  /**
   * status-server answered with something that cannot be this request's reply
   * (our status-server's line for another code, an empty or oversized line):
   * replies are out of step, so the connection is reopened.
   */
  BAD_UPSTREAM_REPLY: 'ERR_BAD_UPSTREAM_REPLY',
  /** status-server answered with an `Error:` line other than an unknown code (it refused, or is closing). */
  UPSTREAM_ERROR: 'ERR_UPSTREAM_ERROR'
} as const

export type FailureCode = (typeof FailureCodes)[keyof typeof FailureCodes]
