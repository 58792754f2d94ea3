import { assertNumberOption } from '@eventwire/protocol'

export interface DoorWatchOptions {
  /** How long the door may stay open before the warning, ms. */
  thresholdMs: number
  /** The door has been open too long (once per open period). */
  onWarn: () => void
  /** The door closed after a warning. */
  onClosedAfterWarn: () => void
  /** Clock; tests may pass their own. Default Date.now. */
  now?: () => number
}

/**
 * The door-client's decision logic, free of sockets: one timer at most, cleared
 * on every state change, pause and stop, so a warning can never fire after the
 * door closed. Times are the server's event timestamps, so a door opened before
 * we connected warns relative to when it really opened.
 */
export class DoorWatch {
  readonly thresholdMs: number
  readonly #onWarn: () => void
  readonly #onClosedAfterWarn: () => void
  readonly #now: () => number
  #timer: NodeJS.Timeout | null = null
  /** `since` of the open period we already warned about; survives reconnects so we warn once. */
  #warnedFor: number | null = null

  constructor (options: DoorWatchOptions) {
    assertNumberOption('thresholdMs', options.thresholdMs, 0)
    this.thresholdMs = options.thresholdMs
    this.#onWarn = options.onWarn
    this.#onClosedAfterWarn = options.onClosedAfterWarn
    this.#now = options.now ?? Date.now
  }

  /** True while a warning is scheduled. */
  get pending (): boolean {
    return this.#timer !== null
  }

  /** The door is open since `since` (server epoch ms). */
  open (since: number): void {
    this.#clear()
    if (this.#warnedFor === since) return // same open period, seen again after a reconnect: warned already
    this.#warnedFor = null
    // Clamped: a server clock ahead of ours must not postpone the warning past the threshold.
    const delay = Math.min(this.thresholdMs, Math.max(0, since + this.thresholdMs - this.#now()))
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#warnedFor = since
      this.#onWarn()
    }, delay)
  }

  /** The door is closed. */
  close (): void {
    this.#clear()
    if (this.#warnedFor !== null) {
      this.#warnedFor = null
      this.#onClosedAfterWarn()
    }
  }

  /** State unknown for now (disconnected, sensor offline): no warning until we hear again. */
  pause (): void {
    this.#clear()
  }

  /** For good: clears the timer. */
  stop (): void {
    this.#clear()
  }

  #clear (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}
