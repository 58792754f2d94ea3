import { QuietTimer } from '@eventwire/protocol'
const CR = 0x0d
const LF = 0x0a

/** What the next bytes mean after a line was answered before its line end came. */
const enum After {
  /** Nothing special: bytes are a line as usual. */
  Normal,
  /** Answered early: a `\r` or `\n` first closes that line. */
  Answered,
  /** Answered early and a `\r` came: an `\n` now closes the line. */
  SawCr
}

function isDigit (byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39
}

/**
 * Answers a request line that is exactly three digits and then quiet, as if its
 * line end had come: the tutorial's client writes `404` with no newline and
 * waits. Costs no timer while nothing is pending: one is armed only while the
 * unfinished line is exactly three digits, and cleared by the next byte.
 *
 * The quiet timer does not answer by itself: it defers to setImmediate, which
 * runs after the event loop has read every socket. If the loop was stalled and
 * the rest of the line was already waiting to be read, that data wins and
 * cancels the early answer.
 */
export class EarlyAnswer {
  readonly #quietMs: number
  /** The last three bytes received, packed (oldest in bits 16-23). */
  #tail = 0
  #after = After.Normal
  readonly #quiet: QuietTimer

  /** quietMs 0 disables early answers. */
  constructor (quietMs: number, onQuiet: () => void) {
    this.#quietMs = quietMs
    this.#quiet = new QuietTimer(onQuiet)
  }

  /**
   * Call first with every chunk: cancels a pending early answer (the client was
   * not done) and strips the `\n` or `\r\n` that closes a line already answered
   * early, so it is not a second, empty request. Anything else starts a new line.
   */
  take (chunk: Buffer): Buffer {
    this.cancel()
    if (this.#after === After.Normal) return chunk
    let i = 0
    if (this.#after === After.Answered && chunk[0] === CR) {
      i = 1
      this.#after = After.SawCr
      if (chunk.length === 1) return chunk.subarray(1)
    }
    if (chunk[i] === LF) i++
    this.#after = After.Normal
    return i === 0 ? chunk : chunk.subarray(i)
  }

  /**
   * Call after the chunk went to the line splitter, with the bytes it holds for
   * the unfinished line. Those are the last bytes received (nothing is skipped
   * while a connection is served), so three of them are the packed tail.
   */
  pushed (chunk: Buffer, pendingBytes: number): void {
    const n = chunk.length
    if (n >= 3) {
      this.#tail = ((chunk[n - 3] as number) << 16) | ((chunk[n - 2] as number) << 8) | (chunk[n - 1] as number)
    } else {
      for (let i = 0; i < n; i++) this.#tail = ((this.#tail << 8) | (chunk[i] as number)) & 0xffffff
    }
    if (pendingBytes !== 3 || this.#quietMs === 0) return
    const t = this.#tail
    if (isDigit(t >> 16) && isDigit((t >> 8) & 0xff) && isDigit(t & 0xff)) {
      this.#quiet.arm(this.#quietMs)
    }
  }

  /** The pending line was answered early: a line end that follows only closes it. */
  answered (): void {
    this.#after = After.Answered
  }

  /** Clears the timer (next byte, end of stream, close). */
  cancel (): void {
    this.#quiet.cancel()
  }
}
