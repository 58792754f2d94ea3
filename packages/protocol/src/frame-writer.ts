import type { Duplex } from 'node:stream'
import { ErrorCodes, ProtocolError } from './errors.js'

/** Settled once: `.then()` on it runs a callback at the end of the current run of code. */
const settled = Promise.resolve()

/**
 * Writes frames to one stream, one stream.write() each. The first frame of a
 * tick leaves at once (no added latency for a lone request); the frames that
 * follow it in the same tick are corked and leave together in one writev at the
 * end of the tick instead of one syscall each. Every write, whoever it is for,
 * counts against `maxBufferedBytes`: past it `onQueueFull` is called with
 * ERR_QUEUE_FULL.
 *
 * The end of the tick is a microtask: it runs as soon as the code that wrote
 * has finished, as a process.nextTick callback would, at a fraction of the cost
 * of one, which every lone request and response pays.
 */
export class FrameWriter {
  readonly #stream: Duplex
  readonly #maxBufferedBytes: number
  readonly #onQueueFull: (err: ProtocolError) => void
  #corked = false
  #wroteThisTick = false

  constructor (stream: Duplex, maxBufferedBytes: number, onQueueFull: (err: ProtocolError) => void) {
    this.#stream = stream
    this.#maxBufferedBytes = maxBufferedBytes
    this.#onQueueFull = onQueueFull
  }

  /** Writes one frame; the stream's write() result (false: its buffer is full). */
  write (text: string): boolean {
    if (!this.#wroteThisTick) {
      this.#wroteThisTick = true
      void settled.then(this.#endTick)
    } else if (!this.#corked) {
      this.#corked = true
      this.#stream.cork()
    }
    const ok = this.#stream.write(text)
    this.#check()
    return ok
  }

  /** Raw bytes (telnet negotiation answers), against the same limit. */
  writeRaw (bytes: Buffer): void {
    this.#stream.write(bytes)
    this.#check()
  }

  /** Sends what is corked now (before end(), so nothing is left behind). */
  uncork (): void {
    if (!this.#corked) return
    this.#corked = false
    this.#stream.uncork()
  }

  readonly #endTick = (): void => {
    this.#wroteThisTick = false
    this.uncork()
  }

  #check (): void {
    const queued = this.#stream.writableLength
    if (queued <= this.#maxBufferedBytes) return
    this.#onQueueFull(new ProtocolError(ErrorCodes.QUEUE_FULL, `peer is not reading: ${queued} bytes wait to be sent (maxBufferedBytes ${this.#maxBufferedBytes}); closing the connection`, { queued, maxBufferedBytes: this.#maxBufferedBytes }))
  }
}
