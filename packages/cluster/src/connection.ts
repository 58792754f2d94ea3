import { EventEmitter } from 'node:events'
import { Redis } from 'ioredis'
import { ClusterError, badArgument, fromRedisError } from './errors.js'

/** `ready`: commands are sent. `connecting`: before the first ready. `down`: lost after being ready (or closed). */
export type LinkState = 'ready' | 'connecting' | 'down'

export const DEFAULT_PREFIX = 'eventwire:'
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000
export const DEFAULT_HEARTBEAT_MS = 2000
export const DEFAULT_RETRY_MAX_MS = 2000

export interface ConnectOptions {
  /** Every key this package touches starts with it (`REDIS_PREFIX`); default `eventwire:`. */
  prefix?: string
  /** Every command (and the ready check) is rejected after this long without a reply; default 2000. */
  commandTimeoutMs?: number
  /** Bound of the first connection (and of each TCP connect); default 5000. */
  connectTimeoutMs?: number
  /** CLIENT SETNAME, so operators can tell the connections apart in CLIENT LIST. */
  name?: string
  /** A PING this often notices a hung (not closed) Redis and forces a reconnect; 0 disables; default 2000. */
  heartbeatMs?: number
  /** Cap of the reconnect backoff; default 2000. */
  retryMaxMs?: number
  /** Wait until the first connection is ready (default) or return at once in state `connecting`. */
  wait?: boolean
}

type Resolved = Required<Omit<ConnectOptions, 'wait' | 'name'>> & { name: string }

/**
 * One ioredis connection with the failure behaviour cluster mode needs: no offline queue and no
 * resend of unanswered commands (a command is either sent now or rejected now with
 * `CLUSTER_REDIS_DOWN`, so a "not delivered" error is never followed by a late delivery), a timeout
 * on every command, reconnects with jittered backoff, and a `state` for /readyz.
 */
export class RedisLink extends EventEmitter<{ state: [state: LinkState, error: Error | undefined] }> {
  readonly redis: Redis
  readonly url: string
  readonly prefix: string
  readonly options: Resolved
  lastError: Error | undefined
  #state: LinkState = 'connecting'
  #closed = false
  #heartbeat: NodeJS.Timeout | undefined
  #pinging = false

  constructor (url: string, options: ConnectOptions = {}) {
    super()
    const o: Resolved = {
      prefix: options.prefix ?? DEFAULT_PREFIX,
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      retryMaxMs: options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
      name: options.name ?? 'eventwire'
    }
    if (/\s/.test(o.prefix)) throw badArgument(`prefix must not contain spaces: ${JSON.stringify(o.prefix)}`)
    this.url = url
    this.prefix = o.prefix
    this.options = o
    this.redis = new Redis(url, {
      lazyConnect: true,
      connectionName: o.name,
      commandTimeout: o.commandTimeoutMs,
      // A reply that never comes (a frozen server) destroys the socket, which starts a reconnect.
      socketTimeout: o.commandTimeoutMs,
      connectTimeout: o.connectTimeoutMs,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      enableReadyCheck: true,
      retryStrategy: (times) => Math.round(Math.min(o.retryMaxMs, 50 * 2 ** Math.min(times - 1, 10)) * (0.5 + Math.random() / 2))
    })
    this.redis.on('ready', this.#onReady)
    this.redis.on('close', this.#onClose)
    this.redis.on('error', this.#onError)
    if (o.heartbeatMs > 0) {
      this.#heartbeat = setInterval(this.#beat, o.heartbeatMs)
      this.#heartbeat.unref()
    }
    this.redis.connect().catch(() => {}) // failures arrive as 'error'/'close'; ioredis keeps retrying
  }

  get state (): LinkState { return this.#state }
  get closed (): boolean { return this.#closed }

  /** `prefix` + the parts joined by `:`. */
  key (...parts: string[]): string { return this.prefix + parts.join(':') }

  /** Runs `fn` if the link is ready, else rejects at once; maps ioredis failures onto coded errors. */
  async run<T> (what: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new ClusterError('CLUSTER_CLOSED', `${what}: the Redis link is closed`)
    if (this.#state !== 'ready') throw new ClusterError('CLUSTER_REDIS_DOWN', `${what}: Redis unavailable (${this.#state})`, { cause: this.lastError })
    try {
      return await fn(this.redis)
    } catch (err) {
      throw fromRedisError(err, what)
    }
  }

  /** Resolves when the state is `ready` (at once if it is); rejects after `timeoutMs`, on abort or when closed. */
  async waitReady (timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#state === 'ready') return
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer)
        this.off('state', onState)
        signal?.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve()
      }
      const onState = (state: LinkState): void => {
        if (state === 'ready') finish()
        else if (this.#closed) finish(new ClusterError('CLUSTER_CLOSED', 'the Redis link was closed'))
      }
      const onAbort = (): void => finish(new ClusterError('CLUSTER_CLOSED', 'aborted'))
      const timer = setTimeout(() => finish(new ClusterError('CLUSTER_REDIS_DOWN', `Redis not ready within ${timeoutMs} ms`, { cause: this.lastError })), timeoutMs)
      this.on('state', onState)
      if (signal?.aborted === true) onAbort()
      else signal?.addEventListener('abort', onAbort)
    })
  }

  /** A second connection to the same Redis with the same prefix (e.g. for blocking reads). */
  duplicate (name: string, overrides: Pick<ConnectOptions, 'commandTimeoutMs' | 'heartbeatMs'> = {}): RedisLink {
    return new RedisLink(this.url, { ...this.options, name, ...overrides })
  }

  /**
   * QUIT (bounded by the command timeout), then drops the socket; no reconnect afterwards.
   * `now` skips QUIT, which would wait behind a blocking read on this connection.
   */
  async quit (options: { now?: boolean } = {}): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#heartbeat)
    if (options.now !== true) {
      try {
        await this.redis.quit()
      } catch {
        // Not connected, or no answer: there is nothing left to flush.
      }
    }
    this.redis.disconnect()
    this.redis.off('ready', this.#onReady)
    this.redis.off('close', this.#onClose)
    this.#setState('down')
    // ioredis may still report the socket's last error; keep a listener so it is never unhandled.
  }

  #setState (state: LinkState): void {
    if (state === this.#state) return
    this.#state = state
    this.emit('state', state, this.lastError)
  }

  #onReady = (): void => {
    if (!this.#closed) this.#setState('ready')
  }

  #onClose = (): void => {
    if (this.#state === 'ready' || this.#closed) this.#setState('down')
  }

  #onError = (err: Error): void => {
    this.lastError = err
  }

  #beat = (): void => {
    if (this.#state !== 'ready' || this.#pinging) return
    this.#pinging = true
    this.redis.ping().then(() => {}, (err: Error) => {
      this.lastError = err
      // A timed-out PING means a hung server or path: drop the socket so the state and the reconnect loop say so.
      if (!this.#closed && err.message.includes('timed out')) this.redis.disconnect(true)
    }).finally(() => { this.#pinging = false })
  }
}

/**
 * Connects to `url` (redis://[user:password@]host:port[/db]). By default waits for the first
 * ready connection and rejects with `CLUSTER_CONNECT_FAILED` after `connectTimeoutMs`; later
 * outages are survived by reconnecting.
 */
export async function connectRedis (url: string, options: ConnectOptions = {}): Promise<RedisLink> {
  const link = new RedisLink(url, options)
  if (options.wait === false) return link
  try {
    await link.waitReady(link.options.connectTimeoutMs)
  } catch (err) {
    await link.quit()
    throw new ClusterError('CLUSTER_CONNECT_FAILED', `cannot connect to Redis at ${redactUrl(url)} within ${link.options.connectTimeoutMs} ms: ${link.lastError?.message ?? (err as Error).message}`, { cause: err })
  }
  return link
}

/** The URL without its password, for messages and logs. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable url)'
  }
}
