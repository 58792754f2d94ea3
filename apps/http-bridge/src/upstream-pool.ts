import type { ReconnectOptions } from '@eventwire/protocol'
import { FailureCodes, type LookupFailure } from './failures.js'
import type { AppLogger } from '@eventwire/service'
import { UpstreamLink, type LookupCallback } from './upstream-link.js'

export interface UpstreamPoolOptions {
  host: string
  port: number
  timeoutMs: number
  maxInFlight: number
  connections: number
  keepAliveMs: number
  reconnect: ReconnectOptions
  logger: AppLogger
}

/** Queue length past which a lookup goes to a less busy link instead of the first one. */
const SPREAD_AT = 64

/** Snapshot for /readyz and for callers that want to wait for the upstream. */
export interface UpstreamState {
  /** Links connected and accepting requests. */
  connected: number
  /** Links configured. */
  connections: number
  /** Lookups on the wire, timed-out placeholders included. */
  inFlight: number
  maxInFlight: number
}

/**
 * A few persistent links to status-server. Each lookup goes to the first
 * connected link, or to a less busy one once that has SPREAD_AT waiting; the
 * total on the wire is capped at maxInFlight.
 * One timer sweeps every link for deadlines, so a lookup costs no timer of its own.
 */
export class UpstreamPool {
  readonly #options: UpstreamPoolOptions
  readonly #links: UpstreamLink[]
  readonly #sweepTimer: NodeJS.Timeout
  readonly #queueFull: LookupFailure
  #closed = false

  constructor (options: UpstreamPoolOptions) {
    this.#options = options
    this.#links = Array.from({ length: options.connections }, (_, index) => new UpstreamLink({
      host: options.host,
      port: options.port,
      timeoutMs: options.timeoutMs,
      keepAliveMs: options.keepAliveMs,
      reconnect: options.reconnect,
      logger: options.logger,
      index
    }))
    // A 20th of the timeout: a 2000 ms timeout answers 504 within ~2100 ms.
    const tickMs = Math.max(5, Math.min(100, Math.floor(options.timeoutMs / 20)))
    this.#sweepTimer = setInterval(this.#sweep, tickMs)
    this.#queueFull = {
      statusCode: 503,
      code: FailureCodes.QUEUE_FULL,
      message: `${options.maxInFlight} lookups are already waiting for status-server; retry shortly`,
      retryAfterSeconds: 1
    }
  }

  /** True when at least one link is connected. */
  get ready (): boolean {
    for (const link of this.#links) if (link.usable) return true
    return false
  }

  get state (): UpstreamState {
    let connected = 0
    let inFlight = 0
    for (const link of this.#links) {
      if (link.usable) connected++
      inFlight += link.queued
    }
    return { connected, connections: this.#links.length, inFlight, maxInFlight: this.#options.maxInFlight }
  }

  /**
   * Looks one code up. `done` runs exactly once: synchronously when no link is
   * up or the queue is full (503 at once, never after the timeout), else when
   * the reply, the timeout or a connection loss comes.
   */
  lookup (code: string, done: LookupCallback): void {
    let best: UpstreamLink | null = null
    let bestQueued = 0
    let inFlight = 0
    for (const link of this.#links) {
      const queued = link.queued
      inFlight += queued
      if (!link.usable) continue
      // Fill the first link until it is busy: requests of one event-loop turn then
      // share one write and one read. The others carry overflow and stand by.
      if (best === null || (bestQueued >= SPREAD_AT && queued < bestQueued)) {
        best = link
        bestQueued = queued
      }
    }
    if (best === null) {
      done(this.#downFailure(), '')
      return
    }
    if (inFlight >= this.#options.maxInFlight) {
      done(this.#queueFull, '')
      return
    }
    best.send(code, Date.now(), done)
  }

  /** Stops every link and the sweep timer; lookups still waiting get 503. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#sweepTimer)
    for (const link of this.#links) link.close()
  }

  readonly #sweep = (): void => {
    const now = Date.now()
    for (const link of this.#links) link.sweep(now)
  }

  #downFailure (): LookupFailure {
    // Retry-After: when the soonest reconnection attempt is due, at least a second.
    let next = Infinity
    for (const link of this.#links) if (link.nextAttemptAt > 0 && link.nextAttemptAt < next) next = link.nextAttemptAt
    const seconds = next === Infinity ? 1 : Math.max(1, Math.ceil((next - Date.now()) / 1000))
    return {
      statusCode: 503,
      code: FailureCodes.UPSTREAM_DOWN,
      message: `status-server at ${this.#options.host}:${this.#options.port} is unreachable; retry after ${seconds} s`,
      retryAfterSeconds: seconds
    }
  }
}
