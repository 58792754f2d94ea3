import type { ReconnectOptions } from '@eventwire/protocol'
import { ConnectionSet } from '@eventwire/kit'
import type { TransportStats } from '@eventwire/kit/metrics'
import type { Socket } from 'node:net'
import { FailureCodes, type LookupFailure } from './failures.js'
import { Fifo } from './fifo.js'
import type { AppLogger } from '@eventwire/protocol'
import { UpstreamLink, type LinkDown, type LookupCallback } from './upstream-link.js'
import type { UpstreamTls } from './upstream-tls.js'

export interface UpstreamPoolOptions {
  host: string
  port: number
  timeoutMs: number
  maxInFlight: number
  connections: number
  probeIntervalMs: number
  /** Requests on the wire per link; 0: no limit (pipelined). 1 also takes replies with no line end. */
  pipeline: number
  /** close(): how long status-server gets to close a link after our FIN before it is destroyed. */
  closeGraceMs: number
  reconnect: ReconnectOptions
  logger: AppLogger
  /** The links' counters (lines, bytes, drops). */
  stats: TransportStats
  /** TLS to status-server; null: plain TCP. */
  tls: UpstreamTls | null
}

/** A lookup waiting in the bridge for a link with room (only when `pipeline` caps the links). */
interface Waiting {
  readonly code: string
  readonly deadline: number
  done: LookupCallback | null
}

/** Queue length past which a lookup goes to a less busy link instead of the first one. */
const SPREAD_AT = 64

/** Snapshot for /readyz and for callers that want to wait for the upstream. */
export interface UpstreamState {
  /** Links connected and accepting requests. */
  connected: number
  /** Links configured. */
  connections: number
  /** Lookups on the wire, timed-out placeholders included, plus those waiting for a link with room. */
  inFlight: number
  maxInFlight: number
}

/**
 * A few persistent links to status-server. Each lookup goes to the first
 * connected link with room, or to a less busy one once that has SPREAD_AT
 * waiting; with a pipeline cap, lookups for which no link has room wait here,
 * in order. The total (on the wire and waiting) is capped at maxInFlight.
 * One timer sweeps every link and the wait queue for deadlines, so a lookup
 * costs no timer of its own.
 */
export class UpstreamPool {
  readonly #options: UpstreamPoolOptions
  readonly #links: UpstreamLink[]
  /** The links not yet closed for good: close() ends them through it (end, grace, destroy). */
  readonly #open: ConnectionSet<UpstreamLink>
  readonly #sweepTimer: NodeJS.Timeout
  readonly #queueFull: LookupFailure
  readonly #pipeline: number
  readonly #waiting = new Fifo<Waiting>()
  #closed = false

  constructor (options: UpstreamPoolOptions) {
    this.#options = options
    this.#pipeline = options.pipeline === 0 ? Infinity : options.pipeline
    this.#open = new ConnectionSet<UpstreamLink>({ end: (link) => link.end(), destroy: (link) => link.destroy(), closeGraceMs: options.closeGraceMs })
    this.#links = Array.from({ length: options.connections }, (_, index) => new UpstreamLink({
      ...options,
      index,
      pipeline: this.#pipeline,
      quietFraming: this.#pipeline === 1,
      onChange: this.#onLinkChange,
      onClosed: (link) => this.#open.delete(link)
    }))
    for (const link of this.#links) this.#open.add(link)
    // A 20th of the timeout: a 2000 ms timeout answers 504 within ~2100 ms.
    const tickMs = Math.max(5, Math.min(100, Math.floor(options.timeoutMs / 20)))
    this.#sweepTimer = setInterval(this.#sweep, tickMs)
    this.#queueFull = { code: FailureCodes.QUEUE_FULL, message: `${options.maxInFlight} lookups are already waiting for status-server; retry shortly` }
  }

  /** True when at least one link is connected. */
  get ready (): boolean {
    for (const link of this.#links) if (link.usable) return true
    return false
  }

  get state (): UpstreamState {
    let connected = 0
    let inFlight = this.#waiting.length
    for (const link of this.#links) {
      if (link.usable) connected++
      inFlight += link.queued
    }
    return { connected, connections: this.#links.length, inFlight, maxInFlight: this.#options.maxInFlight }
  }

  /** Why no link is up, as the 503's message says it (without the retry hint): for /readyz. */
  get downReason (): string {
    return this.#whyDown()
  }

  /** Lookups waiting in the bridge for a link with room (only with a pipeline cap). */
  get waitingCount (): number {
    return this.#waiting.length
  }

  /** The sockets of the links up now, for the byte counters. */
  * sockets (): Iterable<Socket> {
    for (const link of this.#links) if (link.socket !== null) yield link.socket
  }

  /** How many links are in each state, every state listed (for the metrics). */
  linkStates (): Array<[{ state: string }, number]> {
    const counts = { connected: 0, connecting: 0, reconnecting: 0, unreachable: 0 }
    for (const link of this.#links) counts[link.usable ? 'connected' : link.down.state]++
    return Object.entries(counts).map(([state, count]) => [{ state }, count])
  }

  /** Connections opened and lost over every link. */
  linkTotals (): { connects: number, losses: number } {
    let connects = 0
    let losses = 0
    for (const link of this.#links) {
      connects += link.connects
      losses += link.losses
    }
    return { connects, losses }
  }

  /**
   * Looks one code up. `done` runs exactly once: synchronously when no link is
   * up or the queue is full (503 at once, never after the timeout), else when
   * the reply, the timeout or a connection loss comes.
   */
  lookup (code: string, done: LookupCallback): void {
    let best: UpstreamLink | null = null
    let bestQueued = 0
    let inFlight = this.#waiting.length
    let usable = false
    for (const link of this.#links) {
      const queued = link.queued
      inFlight += queued
      if (!link.usable) continue
      usable = true
      if (queued >= this.#pipeline) continue
      // Fill the first link until it is busy: requests of one event-loop turn then
      // share one write and one read. The others carry overflow and stand by.
      if (best === null || (bestQueued >= SPREAD_AT && queued < bestQueued)) {
        best = link
        bestQueued = queued
      }
    }
    if (!usable) {
      done(this.#downFailure(), '')
      return
    }
    if (inFlight >= this.#options.maxInFlight) {
      done(this.#queueFull, '')
      return
    }
    const now = Date.now()
    // Behind earlier waiters, a lookup waits too, so the order stays first come, first served.
    if (best === null || this.#waiting.length > 0) this.#waiting.push({ code, deadline: now + this.#options.timeoutMs, done })
    else best.send(code, now, done)
  }

  /**
   * Stops the sweep timer and every link: lookups still waiting get 503, each
   * link sends FIN and is destroyed if still open closeGraceMs later. Resolves
   * once every link is closed; every caller gets the same promise.
   */
  close (): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      clearInterval(this.#sweepTimer)
      this.#failWaiting({ code: FailureCodes.UPSTREAM_LOST, message: 'bridge is shutting down' })
    }
    return this.#open.close()
  }

  readonly #sweep = (): void => {
    const now = Date.now()
    for (const link of this.#links) link.sweep(now)
    let head = this.#waiting.at(0)
    while (head !== undefined && head.deadline <= now) {
      this.#waiting.shift()
      const done = head.done
      head.done = null
      const message = `status-server did not answer within ${this.#options.timeoutMs} ms: the lookup was still waiting for a connection with room (pipeline ${this.#pipeline} per connection)`
      if (done !== null) done({ code: FailureCodes.UPSTREAM_TIMEOUT, message }, '')
      head = this.#waiting.at(0)
    }
  }

  /** A link freed a slot, came up or went down: move waiting lookups onto links with room, or fail them if none is up. */
  readonly #onLinkChange = (): void => {
    if (this.#waiting.length === 0 || this.#closed) return
    if (!this.ready) {
      this.#failWaiting(this.#downFailure())
      return
    }
    for (const link of this.#links) {
      while (link.hasRoom) {
        const next = this.#waiting.shift()
        if (next === undefined) return
        if (next.done !== null) link.send(next.code, Date.now(), next.done)
      }
    }
  }

  #failWaiting (failure: LookupFailure): void {
    for (const entry of this.#waiting.drain()) {
      const done = entry.done
      entry.done = null
      if (done !== null) done(failure, '')
    }
  }

  #downFailure (): LookupFailure {
    // Retry-After: when the soonest reconnection attempt is due, at least a second.
    let next = Infinity
    for (const link of this.#links) if (link.nextAttemptAt > 0 && link.nextAttemptAt < next) next = link.nextAttemptAt
    const seconds = next === Infinity ? 1 : Math.max(1, Math.ceil((next - Date.now()) / 1000))
    return {
      code: FailureCodes.UPSTREAM_DOWN,
      message: `${this.#whyDown()}; retry after ${seconds} s`,
      retryAfterSeconds: seconds
    }
  }

  /**
   * Says what happened, from the links' states: unreachable only when a
   * connection attempt failed (with its error); reconnecting when a link that
   * was up was lost and is being reopened; else not connected yet.
   */
  #whyDown (): string {
    const where = `status-server at ${this.#options.host}:${this.#options.port}`
    let reconnecting: (LinkDown & { state: 'reconnecting' }) | null = null
    for (const link of this.#links) {
      const down = link.down
      if (down.state === 'unreachable') return down.tls ? `${where}: the TLS handshake failed: ${down.error}` : `${where} is unreachable (${down.error})`
      if (down.state === 'reconnecting') reconnecting ??= down
    }
    if (reconnecting !== null) {
      const said = reconnecting.lastLine === null ? '' : ` (its last line: ${JSON.stringify(reconnecting.lastLine)})`
      return `the connection to ${where} was lost${said} and is being reopened`
    }
    return `not connected to ${where} yet: the first connection is being opened`
  }
}
