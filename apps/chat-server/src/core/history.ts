import type { MessageEvent } from './events.js'

/** The last `size` messages (or other events), in a fixed ring: memory does not grow with traffic. */
export class History<T = MessageEvent> {
  readonly size: number
  readonly #ring: Array<T | undefined>
  #next = 0
  #count = 0

  constructor (size: number) {
    this.size = size
    this.#ring = new Array<T | undefined>(size)
  }

  push (message: T): void {
    if (this.size === 0) return
    this.#ring[this.#next] = message
    this.#next = (this.#next + 1) % this.size
    if (this.#count < this.size) this.#count++
  }

  /** Oldest first. */
  toArray (): T[] {
    const out: T[] = []
    const start = (this.#next - this.#count + this.size) % Math.max(this.size, 1)
    for (let i = 0; i < this.#count; i++) out.push(this.#ring[(start + i) % this.size] as T)
    return out
  }

  /** Forgets everything (the log it mirrors was replaced). */
  clear (): void {
    this.#ring.fill(undefined)
    this.#next = 0
    this.#count = 0
  }

  get length (): number {
    return this.#count
  }
}
