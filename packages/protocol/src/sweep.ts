/** Something a sweep visits on every tick. */
export interface Swept {
  tick (now: number): void
}

/**
 * One interval timer shared by everything that needs a periodic check at the
 * same period: 10,000 connections with a heartbeat cost one timer, not 10,000
 * (undici's lib/util/timers.js and our bridge do the same for deadlines). The
 * timer is unref'd, so it never keeps a process alive, and it is cleared once
 * the last member leaves.
 */
export class Sweep {
  readonly periodMs: number
  readonly #members = new Set<Swept>()
  readonly #onEmpty: () => void
  #timer: NodeJS.Timeout | null = null

  constructor (periodMs: number, onEmpty: () => void = () => {}) {
    this.periodMs = periodMs
    this.#onEmpty = onEmpty
  }

  get size (): number {
    return this.#members.size
  }

  add (member: Swept): void {
    this.#members.add(member)
    if (this.#timer === null) {
      this.#timer = setInterval(this.#tick, this.periodMs)
      this.#timer.unref()
    }
  }

  delete (member: Swept): void {
    if (!this.#members.delete(member) || this.#members.size > 0) return
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    this.#onEmpty()
  }

  readonly #tick = (): void => {
    const now = Date.now()
    // A member may leave (or be removed) during its own tick; Set iteration tolerates that.
    for (const member of this.#members) member.tick(now)
  }
}

const shared = new Map<number, Sweep>()

/** The process-wide sweep for `periodMs`, created on first use and dropped when empty. */
export function sharedSweep (periodMs: number): Sweep {
  let sweep = shared.get(periodMs)
  if (sweep === undefined) {
    sweep = new Sweep(periodMs, () => shared.delete(periodMs))
    shared.set(periodMs, sweep)
  }
  return sweep
}
