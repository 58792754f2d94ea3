/** Stable codes of every error this package rejects with. */
export type ClusterErrorCode =
  /** Redis is not connected: the command was not sent, so it certainly did not happen. */
  | 'CLUSTER_REDIS_DOWN'
  /** No reply within the command timeout: the command may or may not have been applied. */
  | 'CLUSTER_REDIS_TIMEOUT'
  /** The connection dropped with the command in flight: it may or may not have been applied. */
  | 'CLUSTER_REDIS_CONNECTION_LOST'
  /** Redis answered with an error (OOM, WRONGTYPE on a foreign key, ...). */
  | 'CLUSTER_REDIS_ERROR'
  /** The first connection did not become ready within the connect timeout. */
  | 'CLUSTER_CONNECT_FAILED'
  /** Bad argument from the caller (oversized entry, bad dedupe id, bad key). */
  | 'CLUSTER_BAD_ARGUMENT'
  /** A callback given to this package threw (reported, never thrown into Redis code). */
  | 'CLUSTER_HANDLER_FAILED'
  /** The object was closed. */
  | 'CLUSTER_CLOSED'

export class ClusterError extends Error {
  override readonly name = 'ClusterError'
  readonly code: ClusterErrorCode
  /**
   * Whether the write may have happened anyway. `false`: it certainly did not (safe to report "not
   * delivered"); `true`: retry with the same dedupe id to find out.
   */
  readonly uncertain: boolean

  constructor (code: ClusterErrorCode, message: string, options: { cause?: unknown, uncertain?: boolean } = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.uncertain = options.uncertain ?? false
  }
}

/** Maps what ioredis rejects with onto our codes (its messages are its API: there are no codes). */
export function fromRedisError (err: unknown, what: string): ClusterError {
  if (err instanceof ClusterError) return err
  const message = err instanceof Error ? err.message : String(err)
  if (message.includes('enableOfflineQueue') || message.includes("Stream isn't writeable")) {
    return new ClusterError('CLUSTER_REDIS_DOWN', `${what}: Redis unavailable (not connected)`, { cause: err })
  }
  if (message.includes('Command timed out')) {
    return new ClusterError('CLUSTER_REDIS_TIMEOUT', `${what}: Redis did not answer in time`, { cause: err, uncertain: true })
  }
  if (message.includes('Connection is closed') || message.includes('aborted') || message.includes('ECONNRESET') || message.includes('Socket timeout')) {
    return new ClusterError('CLUSTER_REDIS_CONNECTION_LOST', `${what}: connection to Redis lost`, { cause: err, uncertain: true })
  }
  return new ClusterError('CLUSTER_REDIS_ERROR', `${what}: ${message}`, { cause: err, uncertain: true })
}

export function badArgument (message: string): ClusterError {
  return new ClusterError('CLUSTER_BAD_ARGUMENT', message)
}
