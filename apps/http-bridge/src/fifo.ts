/**
 * First-in first-out queue with O(1) push and shift (Array#shift is O(n) once an
 * array is large), plus indexed reads from the head for the timeout sweep.
 * Callers bound its length; it does not.
 */
export class Fifo<T> {
  #items: Array<T | undefined> = []
  #head = 0

  get length (): number {
    return this.#items.length - this.#head
  }

  push (item: T): void {
    this.#items.push(item)
  }

  /** The item `index` places behind the head (0 is the head), or undefined. */
  at (index: number): T | undefined {
    return this.#items[this.#head + index]
  }

  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined // let the item be collected
    if (this.#head === this.#items.length) {
      this.#items.length = 0
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Compact now and then so a queue that never empties does not grow forever.
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Empties the queue and returns what was in it, oldest first. */
  drain (): T[] {
    const items = this.#items.slice(this.#head) as T[]
    this.#items = []
    this.#head = 0
    return items
  }
}
