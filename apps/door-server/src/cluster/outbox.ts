import { setTimeout as sleep } from 'node:timers/promises'
import { ClusterError, type AppendResult, type StreamLog } from '@eventwire/cluster'
import type { AppLogger } from '@eventwire/protocol'

export const DEFAULT_MAX_PENDING = 100

export interface OutboxOptions {
  /** Events waiting to be appended; past it the oldest is dropped (logged). */
  maxPending: number
  logger: AppLogger
  /** Called once Redis has an event (its position). */
  appended: (id: string, result: AppendResult) => void
  /** Called when an event is given up (dropped by the bound, or by close()). */
  dropped: (id: string) => void
}

interface Item { id: string, data: string }

/**
 * The door's publish policy when Redis fails: events wait here, in publish
 * order, and are appended one at a time, each retried with the same dedupe id
 * until Redis accepts it (an append that timed out and did happen is stored
 * once). At most `maxPending` wait; past that the oldest is dropped with a
 * warning, so an outage costs bounded memory. close() drops what is left.
 */
export class Outbox {
  readonly #log: StreamLog
  readonly #options: OutboxOptions
  readonly #items: Item[] = []
  readonly #abort = new AbortController()
  #flushing: Promise<void> | null = null
  /** Set while an outage is going on: it is logged once, and once when it ends. */
  #failing: ClusterError | null = null

  constructor (log: StreamLog, options: OutboxOptions) {
    this.#log = log
    this.#options = options
  }

  /** Events not yet acknowledged by Redis. */
  get size (): number {
    return this.#items.length
  }

  push (id: string, data: string): void {
    if (this.#abort.signal.aborted) {
      this.#options.dropped(id)
      return
    }
    this.#items.push({ id, data })
    if (this.#items.length > this.#options.maxPending) {
      const oldest = this.#items.shift() as Item
      this.#options.logger.warn({ id: oldest.id, maxPending: this.#options.maxPending }, 'door event dropped: Redis has been unavailable for too many events')
      this.#options.dropped(oldest.id)
    }
    this.#flushing ??= this.#flush().finally(() => { this.#flushing = null })
  }

  /** Lets what waits reach Redis for up to `flushMs`, then stops retrying; what Redis does not have by then is dropped (logged). */
  async close (flushMs = 0): Promise<void> {
    if (flushMs > 0 && this.#flushing !== null) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([this.#flushing, new Promise((resolve) => { timer = setTimeout(resolve, flushMs) })])
      clearTimeout(timer)
    }
    this.#abort.abort()
    await this.#flushing
    if (this.#items.length > 0) this.#options.logger.warn({ events: this.#items.length }, 'door events not delivered: closing while Redis was unavailable')
    for (const item of this.#items.splice(0)) this.#options.dropped(item.id)
  }

  async #flush (): Promise<void> {
    let delay = 50
    while (this.#items.length > 0 && !this.#abort.signal.aborted) {
      const item = this.#items[0] as Item
      try {
        const result = await this.#log.append(item.data, { dedupeId: item.id })
        // The head may have been dropped by the bound while the append was in flight.
        if (this.#items[0] === item) this.#items.shift()
        delay = 50
        this.#recovered()
        this.#options.appended(item.id, result)
      } catch (err) {
        if (!this.#retryable(err, item)) continue
        await this.#pause(delay)
        delay = Math.min(delay * 2, 2000)
      }
    }
  }

  /** Logs the failure; false when the event can never be appended (dropped). */
  #retryable (err: unknown, item: Item): boolean {
    const e = err instanceof ClusterError ? err : new ClusterError('CLUSTER_REDIS_ERROR', String(err))
    if (e.code === 'CLUSTER_BAD_ARGUMENT' || e.code === 'CLUSTER_CLOSED') {
      if (this.#items[0] === item) this.#items.shift()
      if (e.code === 'CLUSTER_BAD_ARGUMENT') this.#options.logger.error({ id: item.id, code: e.code, err: e.message }, 'door event refused by the log; dropped')
      this.#options.dropped(item.id)
      return false
    }
    if (this.#failing === null) {
      this.#options.logger.warn({ code: e.code, err: e.message, pending: this.#items.length }, 'door event not published yet: Redis unavailable; retrying')
    }
    this.#failing = e
    return true
  }

  #recovered (): void {
    if (this.#failing === null) return
    this.#failing = null
    this.#options.logger.info({ pending: this.#items.length }, 'Redis accepts door events again')
  }

  async #pause (delay: number): Promise<void> {
    const signal = this.#abort.signal
    try {
      await sleep(delay, undefined, { signal })
      await this.#log.link.waitReady(30_000, signal)
    } catch {
      // Aborted, or still down: the loop decides.
    }
  }
}
