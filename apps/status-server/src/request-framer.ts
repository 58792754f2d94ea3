import { LineSplitter, type ProtocolError } from '@eventwire/protocol'
import { EarlyAnswer } from './early-answer.js'

export interface RequestFramerOptions {
  maxLineBytes: number
  /** A 3-digit unfinished line quiet this long is a request of its own; 0 disables. */
  quietReplyMs: number
  /** One request line, `\r\n` or `\n` stripped, in order. */
  onLine: (line: string) => void
  /** The line grew past maxLineBytes; nothing more is delivered. */
  onTooLong: (err: ProtocolError) => void
  /** A quiet 3-digit line was just delivered through onLine, outside any push(): flush its reply. */
  onQuietLine: () => void
}

/**
 * Cuts a client's bytes into request lines: lines (`\n` or `\r\n`), and an
 * unfinished line of exactly three digits once the client has gone quiet
 * (EarlyAnswer), whose line end, if it comes later, only closes it. The
 * bridge's ReplyFramer is its mirror for replies.
 */
export class RequestFramer {
  readonly #splitter: LineSplitter
  readonly #early: EarlyAnswer
  readonly #onQuietLine: () => void

  constructor (options: RequestFramerOptions) {
    this.#splitter = new LineSplitter({ maxLineBytes: options.maxLineBytes, onLine: options.onLine, onError: options.onTooLong })
    this.#early = new EarlyAnswer(options.quietReplyMs, this.#onQuiet)
    this.#onQuietLine = options.onQuietLine
  }

  /** Feeds one chunk; complete lines are delivered before it returns. */
  push (chunk: Buffer): void {
    // Nothing arrived (a chunk that was all Telnet commands, such as a NOP keepalive):
    // the client is still quiet, and a line answered early is still waiting for its line end.
    if (chunk.length === 0) return
    const rest = this.#early.take(chunk)
    if (rest.length === 0) return
    this.#splitter.push(rest)
    this.#early.pushed(rest, this.#splitter.pendingBytes)
  }

  /** The client half-closed: an unterminated last line is still a request. */
  end (): void {
    this.#early.cancel()
    this.#splitter.end()
  }

  /** Delivers nothing more and clears the quiet timer. */
  stop (): void {
    this.#early.cancel()
    this.#splitter.stop()
  }

  readonly #onQuiet = (): void => {
    if (this.#splitter.stopped) return
    this.#splitter.end() // delivers the 3 pending bytes as a line, and the splitter goes on
    this.#early.answered()
    this.#onQuietLine()
  }
}
