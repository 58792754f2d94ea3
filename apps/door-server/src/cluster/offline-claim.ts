import type { SharedState } from '@eventwire/cluster'
import type { AppLogger } from '@eventwire/protocol'
import type { OfflineVerdict } from '../door-hub.js'

/** How soon an instance that could not reach Redis looks at the sensor's silence again. */
export const OFFLINE_RETRY_MS = 1000

/**
 * The sensor-offline rule with several instances. Every instance with a sensor
 * runs its own offline clock (DoorHub). A reading accepted by any instance is
 * recorded in Redis (`<prefix>door:reading`, the newest time wins). When a
 * clock runs out, its instance reads that time: if the sensor was heard from
 * within `offlineAfterMs` anywhere, the clock is re-armed for the rest;
 * otherwise the instance claims `offline:<time of that reading>` once
 * cluster-wide (SET NX), and only the winner sends `offline`. Losers look
 * again later, so the notice still comes if the winner dies before sending it.
 * The next reading clears the flag.
 */
export class OfflineClaim {
  readonly #state: SharedState<string>
  readonly #instanceId: string
  readonly #logger: AppLogger
  /** The newest reading accepted here, written to Redis again after Redis lost its data. */
  #lastAlive = 0
  #writing = false
  #unwritten = false
  /** The flag this instance won last: it goes into the `offline` entry, so whoever sends `online` can clear it. */
  won: string | null = null

  constructor (state: SharedState<string>, instanceId: string, logger: AppLogger) {
    this.#state = state
    this.#instanceId = instanceId
    this.#logger = logger
  }

  /** Records a reading; writes are coalesced (one in flight, then the newest), so a reading flood costs no queue. */
  alive (at: number): void {
    this.#lastAlive = Math.max(this.#lastAlive, at)
    this.#unwritten = true
    if (!this.#writing) void this.#write()
  }

  /** After Redis lost its data: puts this instance's last reading back, so the others do not take the sensor for silent. */
  restore (): void {
    if (this.#lastAlive > 0) this.alive(this.#lastAlive)
  }

  /**
   * The verdict for an instance whose clock ran out (`sourceEnded`: its source
   * is gone, so the silence is not measured). Never rejects: without Redis the
   * instance looks again after OFFLINE_RETRY_MS.
   */
  async due (offlineAfterMs: number, sourceEnded: boolean): Promise<OfflineVerdict> {
    try {
      const stored = await this.#state.get('reading')
      const last = Math.max(stored?.ts ?? 0, this.#lastAlive)
      const silentMs = Date.now() - last
      if (!sourceEnded && last > 0 && silentMs < offlineAfterMs) {
        this.#logger.debug({ silentMs, offlineAfterMs }, 'the sensor was heard lately (by some instance); offline clock re-armed')
        return { action: 'wait', ms: offlineAfterMs - silentMs }
      }
      // The flag outlives the outage that set it by far; a flag gone early only lets a later look decide again.
      const ttlMs = Math.min(2 ** 31 - 1, Math.max(60_000, 4 * offlineAfterMs))
      const flag = `offline:${last}`
      if (await this.#state.once(flag, ttlMs, this.#instanceId)) {
        this.won = flag
        return { action: 'publish' }
      }
      this.#logger.debug({ flag }, 'another instance sends the offline notice')
      return { action: 'wait', ms: Math.max(OFFLINE_RETRY_MS, offlineAfterMs) }
    } catch (err) {
      this.#logger.warn({ code: (err as { code?: string }).code, err: (err as Error).message }, 'cannot tell whether the sensor is silent: Redis unavailable; looking again soon')
      return { action: 'wait', ms: OFFLINE_RETRY_MS }
    }
  }

  /** Cleared by the instance that sends the next `online` (best effort: a new silence has a new flag anyway). */
  clear (flag: string): void {
    this.#state.clearOnce(flag).catch((err: Error) => this.#logger.debug({ err: err.message, flag }, 'could not clear the offline flag'))
  }

  async #write (): Promise<void> {
    this.#writing = true
    try {
      while (this.#unwritten) {
        this.#unwritten = false
        const at = this.#lastAlive
        try {
          await this.#state.setIfNewer('reading', this.#instanceId, at)
        } catch (err) {
          // Not retried: the next reading writes again, and due() counts this instance's own readings.
          this.#logger.debug({ err: (err as Error).message }, 'could not record the sensor reading in Redis')
        }
      }
    } finally {
      this.#writing = false
    }
  }
}
