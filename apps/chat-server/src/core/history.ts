import type { MessageEvent } from './events.js'

/** The last `size` messages, in a fixed ring: memory does not grow with traffic. */
export class History {
  readonly size: number
  readonly #ring: Array<MessageEvent | undefined>
  #next = 0
  #count = 0

  constructor (size: number) {
    this.size = size
    this.#ring = new Array<MessageEvent | undefined>(size)
  }

  push (message: MessageEvent): void {
    if (this.size === 0) return
    this.#ring[this.#next] = message
    this.#next = (this.#next + 1) % this.size
    if (this.#count < this.size) this.#count++
  }

  /** Oldest first. */
  toArray (): MessageEvent[] {
    const out: MessageEvent[] = []
    const start = (this.#next - this.#count + this.size) % Math.max(this.size, 1)
    for (let i = 0; i < this.#count; i++) out.push(this.#ring[(start + i) % this.size] as MessageEvent)
    return out
  }

  get length (): number {
    return this.#count
  }
}
