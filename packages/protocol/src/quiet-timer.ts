/**
 * "The peer has been quiet for `quietMs`": a timer armed when an unfinished
 * line should be taken as complete if nothing more comes (a client that writes
 * `404` with no line end and waits; a server that answers once per read with no
 * line end). It fires one setImmediate after the timeout, after the event loop
 * has read the sockets, so bytes already waiting to be read (a stalled loop)
 * cancel it instead of being cut off. No timer exists while it is not armed.
 */
export class QuietTimer {
  readonly #onQuiet: () => void
  #timer: NodeJS.Timeout | null = null
  #immediate: NodeJS.Immediate | null = null

  constructor (onQuiet: () => void) {
    this.#onQuiet = onQuiet
  }

  get armed (): boolean {
    return this.#timer !== null || this.#immediate !== null
  }

  /** (Re)starts the wait. */
  arm (quietMs: number): void {
    this.cancel()
    this.#timer = setTimeout(this.#onTimer, quietMs)
  }

  /** Clears the wait (more bytes came, the stream ended, the connection closed). */
  cancel (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    if (this.#immediate !== null) clearImmediate(this.#immediate)
    this.#timer = null
    this.#immediate = null
  }

  readonly #onTimer = (): void => {
    this.#timer = null
    this.#immediate = setImmediate(this.#onSettled)
  }

  readonly #onSettled = (): void => {
    this.#immediate = null
    this.#onQuiet()
  }
}
