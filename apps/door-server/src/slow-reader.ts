/** How long a client's queue may stay above maxQueueBytes before the client counts as not reading. */
export const DEFAULT_QUEUE_GRACE_MS = 2000
/** The hard cap is this many times maxQueueBytes (1 MiB at the 64 KiB default): past it a client goes at once. */
export const QUEUE_HARD_CAP_FACTOR = 16

export interface SlowReaderWatchOptions<K> {
  /** Soft limit: a queue above it for `graceMs` means the reader is not keeping up. */
  maxQueueBytes: number
  graceMs: number
  /** Hard limit: a queue above it is dropped at the next write, whatever the time. */
  hardCapBytes: number
  /** The bytes queued for `client` now (written by us, not yet taken by the OS). */
  queuedBytes: (client: K) => number
  /** Called once per client judged slow; it must drop the client (and call delete()). */
  onSlow: (client: K, verdict: SlowVerdict) => void
}

export interface SlowVerdict {
  reason: 'hard-cap' | 'grace'
  queuedBytes: number
  /** How long the queue had been above maxQueueBytes (0 for a hard-cap drop seen at once). */
  overForMs: number
}

/**
 * Decides when a reader is slow. A burst we produce in one turn can leave a
 * healthy client's queue far above maxQueueBytes for a moment; that says
 * nothing about the client. What does is a queue that stays above the soft
 * limit for `graceMs`: the socket could not flush it over time. A hard cap keeps
 * memory bounded meanwhile.
 *
 * Queues are observed on every write and by one sweep timer shared by all
 * clients, which runs (unref'd) only while some client is above the soft limit.
 */
export class SlowReaderWatch<K> {
  readonly #options: SlowReaderWatchOptions<K>
  /** Every client, with the time its queue was first seen above the soft limit (null: below it). */
  readonly #overSince = new Map<K, number | null>()
  #sweepTimer: NodeJS.Timeout | null = null

  constructor (options: SlowReaderWatchOptions<K>) {
    this.#options = options
  }

  add (client: K): void {
    this.#overSince.set(client, null)
  }

  delete (client: K): void {
    this.#overSince.delete(client)
  }

  /** Observes the client's queue before a write; true when it was judged slow (and onSlow called). */
  observe (client: K): boolean {
    if (!this.#overSince.has(client)) return false
    const queued = this.#options.queuedBytes(client)
    if (queued > this.#options.hardCapBytes) {
      const since = this.#overSince.get(client) ?? null
      this.#slow(client, { reason: 'hard-cap', queuedBytes: queued, overForMs: since === null ? 0 : Date.now() - since })
      return true
    }
    return this.#judge(client, queued, Date.now())
  }

  /** Stops the sweep timer and forgets every client. */
  stop (): void {
    this.#stopSweep()
    this.#overSince.clear()
  }

  #judge (client: K, queued: number, now: number): boolean {
    if (queued <= this.#options.maxQueueBytes) {
      this.#overSince.set(client, null)
      return false
    }
    const since = this.#overSince.get(client) ?? null
    if (since === null) {
      this.#overSince.set(client, now)
      this.#startSweep()
      return false
    }
    if (now - since < this.#options.graceMs) return false
    this.#slow(client, { reason: 'grace', queuedBytes: queued, overForMs: now - since })
    return true
  }

  #slow (client: K, verdict: SlowVerdict): void {
    this.#overSince.delete(client)
    this.#options.onSlow(client, verdict)
  }

  readonly #sweep = (): void => {
    const now = Date.now()
    let anyOver = false
    for (const [client, since] of [...this.#overSince]) {
      if (since === null) continue
      if (!this.#judge(client, this.#options.queuedBytes(client), now) && this.#overSince.get(client) != null) anyOver = true
    }
    if (!anyOver) this.#stopSweep()
  }

  #startSweep (): void {
    if (this.#sweepTimer !== null) return
    // A quarter of the grace period: a slow client is dropped within 1.25 × graceMs of going over.
    this.#sweepTimer = setInterval(this.#sweep, Math.max(10, Math.floor(this.#options.graceMs / 4)))
    this.#sweepTimer.unref()
  }

  #stopSweep (): void {
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer)
    this.#sweepTimer = null
  }
}
