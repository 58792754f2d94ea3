import { ErrorCodes, ProtocolError, assertNumberOption } from './errors.js'

export interface BackoffOptions {
  /** Delay before the first retry. Default 100 ms. */
  initialDelayMs?: number
  /** No delay is ever longer than this. Default 30 s (or initialDelayMs if larger). */
  maxDelayMs?: number
  /** Each delay is the previous one times this. Default 2. */
  factor?: number
  /**
   * Spreads clients that failed together so they don't return together.
   * A number j in [0, 1]: the delay is drawn uniformly from [d·(1−j), d].
   * 'full': drawn uniformly from [0, d] (AWS "full jitter"). Default 0.5.
   */
  jitter?: number | 'full'
  /** Source of randomness in [0, 1); tests pass a fixed one. Default Math.random. */
  random?: () => number
}

/**
 * Exponential backoff: a small object of its own so the policy is testable
 * without sockets or timers. `next()` returns the delay for the next attempt;
 * `reset()` goes back to the start once a connection has proved stable.
 */
export class Backoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly factor: number
  readonly jitter: number | 'full'
  readonly #random: () => number
  #attempt = 0

  constructor (options: BackoffOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 100
    this.maxDelayMs = options.maxDelayMs ?? Math.max(30_000, this.initialDelayMs)
    this.factor = options.factor ?? 2
    this.jitter = options.jitter ?? 0.5
    this.#random = options.random ?? Math.random
    assertNumberOption('initialDelayMs', this.initialDelayMs, 0)
    assertNumberOption('maxDelayMs', this.maxDelayMs, this.initialDelayMs)
    assertNumberOption('factor', this.factor, 1)
    if (this.jitter !== 'full' && (typeof this.jitter !== 'number' || !(this.jitter >= 0 && this.jitter <= 1))) {
      throw new ProtocolError(ErrorCodes.INVALID_OPTION, `option jitter must be a number in [0, 1] or 'full', got ${String(this.jitter)}`, { option: 'jitter' })
    }
  }

  /** How many delays have been handed out since the last reset. */
  get attempt (): number {
    return this.#attempt
  }

  /** The delay before the next attempt, in ms; grows by `factor` up to `maxDelayMs`. */
  next (): number {
    // Cap the exponent's result, not the exponent: factor^attempt overflows to Infinity harmlessly.
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * this.factor ** this.#attempt)
    this.#attempt++
    if (this.jitter === 'full') return Math.round(this.#random() * ceiling)
    return Math.round(ceiling * (1 - this.jitter * this.#random()))
  }

  /** Back to `initialDelayMs`. */
  reset (): void {
    this.#attempt = 0
  }
}
