import { Transform, type TransformCallback } from 'node:stream'
import { ErrorCodes, ProtocolError } from './errors.js'
import { parseJsonLine, excerpt } from './json-line.js'
import { LineSplitter } from './line-splitter.js'

const CR = 13

export interface LineDecoderOptions {
  /** Longest line accepted, in bytes. Default 1 MiB. */
  maxLineBytes?: number
  /** Parse each line as JSON (default) or pass the text through. */
  json?: boolean
}

/**
 * A Transform from bytes to one value per line: parsed JSON by default, or the
 * line's text with `json: false`. Empty lines are skipped in JSON mode.
 *
 * Errors (ERR_FRAME_TOO_LARGE, ERR_INVALID_JSON, ERR_INVALID_FRAME for a bare
 * `null`, which an object-mode stream cannot carry) are passed to the transform
 * callback, so they surface as the stream's `'error'` and end it; values decoded
 * before the bad line are still delivered.
 */
export class LineDecoder extends Transform {
  readonly #splitter: LineSplitter
  #error: ProtocolError | null = null

  constructor (options: LineDecoderOptions = {}) {
    super({ readableObjectMode: true })
    const json = options.json ?? true
    this.#splitter = new LineSplitter({
      maxLineBytes: options.maxLineBytes,
      // The mode is fixed per decoder: choosing the handlers once keeps a test off every line.
      onLine: json ? this.#onJsonLine : this.#onTextLine,
      onLines: json ? this.#onJsonLines : undefined,
      onError: (err) => { this.#error = err }
    })
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#splitter.push(chunk)
    callback(this.#error)
  }

  override _flush (callback: TransformCallback): void {
    this.#splitter.end()
    callback(this.#error)
  }

  readonly #onTextLine = (line: string): void => {
    this.push(line)
  }

  readonly #onJsonLine = (line: string): void => {
    if (line !== '') this.#parse(line)
  }

  /**
   * Every complete line of a chunk at once: the same work as a hand-written
   * loop (indexOf, slice, JSON.parse, push), nothing more per line. A `\r` needs
   * no cutting off first: JSON.parse skips it as whitespace.
   */
  readonly #onJsonLines = (text: string): void => {
    let from = 0
    for (;;) {
      const lf = text.indexOf('\n', from)
      const to = lf === -1 ? text.length : lf
      if (to > from && !this.#parse(text.slice(from, to))) return
      if (lf === -1) return
      from = lf + 1
    }
  }

  /** Parses and pushes one line (which may end in `\r`); false once the decoder has failed. */
  #parse (raw: string): boolean {
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      // The slow path builds the coded error; the hot path stays a bare parse.
      const line = raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw
      if (line === '') return true // a blank `\r\n` line, skipped like any blank line
      this.#fail((parseJsonLine(line) as { error: ProtocolError }).error)
      return false
    }
    if (value === null) {
      const line = raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw
      this.#fail(new ProtocolError(ErrorCodes.INVALID_FRAME, 'a bare null cannot travel through an object-mode stream', { line: excerpt(line) }))
      return false
    }
    this.push(value)
    return true
  }

  #fail (err: ProtocolError): void {
    this.#error = err
    this.#splitter.stop()
  }
}
