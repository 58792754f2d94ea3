import type { ServerEvent } from './core/events.js'

/**
 * Remembers the encoding of the last event. The room hands the same event
 * object to every member during a fan-out, so with this one slot a transport
 * encodes a broadcast once, not once per member, and holds nothing else.
 */
export class EncodeCache<T> {
  readonly #encode: (event: ServerEvent) => T
  #event: ServerEvent | undefined
  #value: T | undefined

  constructor (encode: (event: ServerEvent) => T) {
    this.#encode = encode
  }

  get (event: ServerEvent): T {
    if (event !== this.#event) {
      this.#value = this.#encode(event)
      this.#event = event
    }
    return this.#value as T
  }
}
