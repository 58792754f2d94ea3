import { assertNumberOption } from '@eventwire/protocol'
import type { DoorState } from '../types.js'
import { BaseSensor } from './sensor.js'

export interface SimulatedSensorOptions {
  /** Longest time between flips, ms. Default 5000 (`DOOR_SIM_MAX_MS`). */
  maxMs?: number
  /** Shortest time between flips, ms. Default min(100, maxMs). */
  minMs?: number
  /** State reported at start. Default 'close'. */
  initial?: DoorState
  /** Randomness in [0, 1); tests pass a fixed one. */
  random?: () => number
}

/** A door that flips open/close at random intervals: the default source for demos. */
export class SimulatedSensor extends BaseSensor {
  readonly maxMs: number
  readonly minMs: number
  readonly #random: () => number
  #state: DoorState
  #timer: NodeJS.Timeout | null = null

  constructor (options: SimulatedSensorOptions = {}) {
    super()
    this.maxMs = options.maxMs ?? 5000
    this.minMs = Math.min(options.minMs ?? 100, this.maxMs)
    assertNumberOption('maxMs', this.maxMs, 1)
    assertNumberOption('minMs', this.minMs, 0)
    this.#random = options.random ?? Math.random
    this.#state = options.initial ?? 'close'
  }

  override start (): void {
    if (this.#timer !== null) return
    this.report(this.#state)
    this.#schedule()
  }

  override stop (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #schedule (): void {
    const delay = this.minMs + Math.round(this.#random() * (this.maxMs - this.minMs))
    this.#timer = setTimeout(this.#flip, delay)
  }

  readonly #flip = (): void => {
    this.#state = this.#state === 'open' ? 'close' : 'open'
    this.report(this.#state)
    this.#schedule()
  }
}
