import { LineSplitter, QuietTimer, type ProtocolError } from '@eventwire/protocol'

/** How long an unterminated reply must stay quiet before it counts as complete (quiet framing only). */
export const REPLY_QUIET_MS = 50

export interface ReplyFramerOptions {
  maxLineBytes: number
  /**
   * Also take a reply that never ends its line: bytes followed by REPLY_QUIET_MS
   * of quiet, for servers that answer once per read with no newline. Only
   * until the server has ended one reply with `\n`: from then on it frames its
   * replies, and a reply cut by the network must not be taken in halves.
   */
  quietFraming: boolean
  /** Whether a request is waiting; a tail with nobody waiting is not hurried. */
  waiting: () => boolean
  /** One reply line as `bytes[start, end)`, line end stripped; `bytes` is valid only during the call. */
  onLine: (bytes: Buffer, start: number, end: number) => void
  onTooLong: (err: ProtocolError) => void
}

/**
 * Cuts status-server's output into replies: lines (`\n` or `\r\n`), and with
 * quiet framing the unterminated tail too. The quiet timer exists only while
 * such a tail is pending; when it fires it defers to setImmediate, which runs
 * after the event loop has read the sockets, so bytes already waiting to be
 * read (a stalled loop) cancel it instead of being cut off.
 */
export class ReplyFramer {
  readonly #splitter: LineSplitter
  readonly #options: ReplyFramerOptions
  #endsLines = false
  #flushingTail = false
  readonly #quiet = new QuietTimer(() => { this.#flushTail() })

  constructor (options: ReplyFramerOptions) {
    this.#options = options
    // Bytes, not text: the link decodes a reply only when it differs from the last one for its code.
    this.#splitter = new LineSplitter({ maxLineBytes: options.maxLineBytes, onRawLine: this.#onLine, onError: options.onTooLong })
  }

  push (chunk: Buffer): void {
    this.#quiet.cancel()
    this.#splitter.push(chunk)
    if (this.#options.quietFraming && !this.#endsLines && this.#splitter.pendingBytes > 0 && this.#options.waiting()) {
      this.#quiet.arm(REPLY_QUIET_MS)
    }
  }

  stop (): void {
    this.#quiet.cancel()
    this.#splitter.stop()
  }

  readonly #onLine = (bytes: Buffer, start: number, end: number): void => {
    if (!this.#flushingTail) this.#endsLines = true
    this.#options.onLine(bytes, start, end)
  }

  #flushTail (): void {
    this.#flushingTail = true
    try {
      this.#splitter.end() // the tail as one line; the splitter goes on with the next bytes
    } finally {
      this.#flushingTail = false
    }
  }
}
