import { ErrorCodes, ProtocolError, assertNumberOption } from './errors.js'

/** 1 MiB: far above any sane frame, far below what a flood could do to the heap. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024

const LF = 0x0a
const CR = 13

export interface LineSplitterOptions {
  /** Longest line accepted, in bytes, excluding the `\n`. Default 1 MiB. */
  maxLineBytes?: number
  /** Called once per complete line, `\r\n` and `\n` stripped. Required unless onRawLine is given. */
  onLine?: (line: string) => void
  /**
   * Instead of onLine, for consumers that recognise lines by their bytes and
   * decode only what they must (the bridge, whose replies repeat): each line as
   * `bytes[start, end)`, `\r\n` and `\n` stripped, nothing decoded. `bytes`
   * is only valid during the call (it may be the socket's chunk): copy to keep.
   */
  onRawLine?: (bytes: Buffer, start: number, end: number) => void
  /**
   * Optional, for consumers that split text themselves (LineDecoder): takes every
   * complete line of a chunk in one call when the chunk's decoded text fits
   * `maxLineBytes`, as that text: lines joined by `\n`, each possibly ending in
   * a `\r` that is not stripped. Lines that span chunks, or come in longer
   * chunks, still arrive one by one through onLine.
   */
  onLines?: (text: string) => void
  /** Called with ERR_FRAME_TOO_LARGE: once with 'stop', once per oversized line with 'skip'. */
  onError: (err: ProtocolError) => void
  /**
   * What an oversized line does. 'stop' (default): the splitter accepts nothing
   * more, the right answer for a connection whose peer broke the protocol.
   * 'skip': the line is dropped up to its newline and splitting goes on, for an
   * input that must survive one bad line (a sensor on stdin).
   */
  onOverflow?: 'stop' | 'skip'
}

/**
 * Splits a byte stream into UTF-8 lines without assuming anything about chunk
 * boundaries. Bytes of an unfinished line are kept raw and decoded only once the
 * line is complete, so a multi-byte character cut between chunks survives. The
 * kept bytes never exceed `maxLineBytes`: a line that would is an error, reported
 * as soon as the limit is passed rather than when (if ever) its newline arrives.
 *
 * This is the engine under LineDecoder and RemoteEmitter; apps that speak plain
 * text lines (status codes, chat) feed it socket chunks directly.
 */
export class LineSplitter {
  readonly maxLineBytes: number
  readonly #onLine: (line: string) => void
  readonly #onRawLine: ((bytes: Buffer, start: number, end: number) => void) | null
  readonly #onLines: ((text: string) => void) | null
  readonly #onError: (err: ProtocolError) => void
  readonly #skipOverflow: boolean
  #pending: Buffer[] = []
  #pendingBytes = 0
  #stopped = false
  /** Skip mode: the bytes up to the next newline belong to an oversized line. */
  #discarding = false

  constructor (options: LineSplitterOptions) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
    assertNumberOption('maxLineBytes', this.maxLineBytes, 1)
    if ((options.onLine === undefined) === (options.onRawLine === undefined)) {
      throw new ProtocolError(ErrorCodes.INVALID_OPTION, 'LineSplitter needs exactly one of onLine and onRawLine', { option: 'onLine' })
    }
    this.#onRawLine = options.onRawLine ?? null
    // With onRawLine, push() and end() take the byte paths below and never call onLine.
    this.#onLine = options.onLine ?? (() => {})
    this.#onLines = options.onLines ?? null
    this.#onError = options.onError
    this.#skipOverflow = options.onOverflow === 'skip'
  }

  /** Bytes held for the unfinished line. */
  get pendingBytes (): number {
    return this.#pendingBytes
  }

  /** True once stop() ran or a limit was exceeded. */
  get stopped (): boolean {
    return this.#stopped
  }

  /** Stops delivery at once (also from inside onLine) and frees the kept bytes. */
  stop (): void {
    this.#stopped = true
    this.#pending = []
    this.#pendingBytes = 0
  }

  /** Feeds one chunk. Returns false once the splitter has stopped. */
  push (chunk: Buffer): boolean {
    if (this.#stopped) return false
    if (this.#onRawLine !== null) return this.#pushRaw(chunk, this.#onRawLine)
    let start = 0
    if (this.#discarding) {
      const lf = chunk.indexOf(LF)
      if (lf === -1) return true
      this.#discarding = false
      start = lf + 1
    } else if (this.#pendingBytes > 0) {
      // The line begun in earlier chunks ends at this chunk's first newline, if any.
      const lf = chunk.indexOf(LF)
      if (lf === -1) return this.#keep(chunk)
      const lineBytes = this.#pendingBytes + lf
      if (lineBytes > this.maxLineBytes) {
        if (!this.#overflow(lineBytes, true)) return false
      } else {
        this.#pending.push(chunk.subarray(0, lf))
        const joined = Buffer.concat(this.#pending, lineBytes)
        this.#pending = []
        this.#pendingBytes = 0
        this.#deliver(joined.toString('utf8'))
        if (this.#stopped) return false
      }
      start = lf + 1
    }

    // Most chunks end on a frame boundary: the last byte says so without a search.
    const lastLf = chunk[chunk.length - 1] === LF ? chunk.length - 1 : chunk.lastIndexOf(LF)
    if (lastLf >= start) {
      // One decode for every complete line in the chunk: far cheaper than one
      // toString per line, and safe because LF never occurs inside a UTF-8 sequence.
      // No ASCII check first: measured on Node 20, isAscii() costs what a latin1
      // decode saves on ASCII text, and is pure loss on any other.
      const text = chunk.toString('utf8', start, lastLf)
      // No line is longer than the bytes it came in: the common case counts nothing per line.
      const ok = lastLf - start <= this.maxLineBytes ? this.#splitShort(text) : this.#splitText(text, chunk.subarray(start, lastLf))
      if (!ok) return false
    }
    const rest = Math.max(start, lastLf + 1)
    if (rest === 0) return this.#keep(chunk)
    // Copy the tail: a subarray would pin the whole (up to 64 KiB) read buffer.
    return rest < chunk.length ? this.#keep(Buffer.from(chunk.subarray(rest))) : true
  }

  /** The stream ended: an unterminated last line is still a line (as with split2). */
  end (): void {
    if (this.#stopped || this.#pendingBytes === 0) return
    const rest = Buffer.concat(this.#pending, this.#pendingBytes)
    this.#pending = []
    this.#pendingBytes = 0
    if (this.#onRawLine !== null) deliverRaw(this.#onRawLine, rest, 0, rest.length)
    else this.#deliver(rest.toString('utf8'))
  }

  /**
   * push() for onRawLine: the same framing and limits, each line handed over as
   * a range of the bytes it came in (joined only when it spans chunks).
   */
  #pushRaw (chunk: Buffer, onRawLine: (bytes: Buffer, start: number, end: number) => void): boolean {
    let start = 0
    if (this.#discarding) {
      const lf = chunk.indexOf(LF)
      if (lf === -1) return true
      this.#discarding = false
      start = lf + 1
    } else if (this.#pendingBytes > 0) {
      const lf = chunk.indexOf(LF)
      if (lf === -1) return this.#keep(chunk)
      const lineBytes = this.#pendingBytes + lf
      if (lineBytes > this.maxLineBytes) {
        if (!this.#overflow(lineBytes, true)) return false
      } else {
        this.#pending.push(chunk.subarray(0, lf))
        const joined = Buffer.concat(this.#pending, lineBytes)
        this.#pending = []
        this.#pendingBytes = 0
        deliverRaw(onRawLine, joined, 0, lineBytes)
        if (this.#stopped) return false
      }
      start = lf + 1
    }
    for (let lf = chunk.indexOf(LF, start); lf !== -1; lf = chunk.indexOf(LF, start)) {
      if (lf - start > this.maxLineBytes) {
        if (!this.#overflow(lf - start, true)) return false
      } else {
        deliverRaw(onRawLine, chunk, start, lf)
        if (this.#stopped) return false
      }
      start = lf + 1
    }
    if (start === 0) return this.#keep(chunk)
    // Copy the tail: a subarray would pin the whole (up to 64 KiB) read buffer.
    return start < chunk.length ? this.#keep(Buffer.from(chunk.subarray(start))) : true
  }

  /** `bytes` are the raw bytes `text` was decoded from: line limits count what was received. */
  #splitText (text: string, bytes: Buffer): boolean {
    const max = this.maxLineBytes
    let from = 0
    let lineNo = 0
    for (;;) {
      const lf = text.indexOf('\n', from)
      const line = lf === -1 ? text.slice(from) : text.slice(from, lf)
      // A UTF-16 unit comes from at most 3 UTF-8 bytes: only long lines need counting.
      const size = line.length * 3 > max ? lineByteLength(line, bytes, lineNo) : 0
      if (size > max) {
        if (!this.#overflow(size, true)) return false
      } else {
        this.#deliver(line)
        if (this.#stopped) return false
      }
      if (lf === -1) return true
      from = lf + 1
      lineNo++
    }
  }

  /** The hot loop, for text no line of which can pass the limit: split, strip `\r`, deliver. */
  #splitShort (text: string): boolean {
    if (this.#onLines !== null) {
      this.#onLines(text)
      return !this.#stopped
    }
    let from = 0
    for (;;) {
      const lf = text.indexOf('\n', from)
      const to = lf === -1 ? text.length : lf
      this.#onLine(to > from && text.charCodeAt(to - 1) === CR ? text.slice(from, to - 1) : text.slice(from, to))
      if (this.#stopped) return false
      if (lf === -1) return true
      from = lf + 1
    }
  }

  #deliver (line: string): void {
    this.#onLine(line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line)
  }

  #keep (bytes: Buffer): boolean {
    const total = this.#pendingBytes + bytes.length
    if (total > this.maxLineBytes) return this.#overflow(total, false)
    this.#pending.push(bytes)
    this.#pendingBytes = total
    return true
  }

  /**
   * Reports an oversized line and drops what was kept of it. Returns whether
   * splitting goes on: never in 'stop' mode; in 'skip' mode unless onError
   * stopped the splitter. `lineEnded` says whether its newline was already seen.
   */
  #overflow (bytes: number, lineEnded: boolean): boolean {
    const err = new ProtocolError(
      ErrorCodes.FRAME_TOO_LARGE,
      `line exceeds maxLineBytes (${this.maxLineBytes} bytes, saw at least ${bytes} without a newline); send shorter lines or raise maxLineBytes`,
      { maxLineBytes: this.maxLineBytes, bytes }
    )
    if (!this.#skipOverflow) {
      this.stop()
      this.#onError(err)
      return false
    }
    this.#pending = []
    this.#pendingBytes = 0
    this.#discarding = !lineEnded
    this.#onError(err)
    return !this.#stopped
  }
}

/** One line `bytes[start, end)` whose `\n` is already cut off; a `\r` before it goes too. */
function deliverRaw (onRawLine: (bytes: Buffer, start: number, end: number) => void, bytes: Buffer, start: number, end: number): void {
  onRawLine(bytes, start, end > start && bytes[end - 1] === CR ? end - 1 : end)
}

/**
 * The received size of line `lineNo` of `bytes`. Re-encoding the text gives it
 * unless decoding replaced invalid bytes with U+FFFD (3 bytes each, whatever
 * they replaced); then the line's raw extent is found by counting newlines,
 * which LF-delimited UTF-8 allows because 0x0A never occurs inside a character.
 */
function lineByteLength (line: string, bytes: Buffer, lineNo: number): number {
  if (!line.includes('\uFFFD')) return Buffer.byteLength(line)
  let start = 0
  for (let i = 0; i < lineNo; i++) start = bytes.indexOf(LF, start) + 1
  const end = bytes.indexOf(LF, start)
  return (end === -1 ? bytes.length : end) - start
}
