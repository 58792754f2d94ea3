import { Transform, type TransformCallback } from 'node:stream'
import { ErrorCodes, ProtocolError } from './errors.js'
import { parseJsonLine, excerpt } from './json-line.js'
import { LineSplitter } from './line-splitter.js'

const CR = 13
const TAB = 9
const SPACE = 32
const QUOTE = 34

/**
 * Whether a line starting with this character can join a batch: not
 * whitespace (which also keeps whitespace-only lines out) and not '"', so an
 * inserted comma can never be read as the start of an object member.
 */
function batchableStart (c: number): boolean {
  return c !== QUOTE && c !== SPACE && c !== TAB && c !== CR
}

/** Where the next '[' is, or the text's length if none: a line before it has none. */
function nextBracket (text: string, from: number): number {
  const i = text.indexOf('[', from)
  return i === -1 ? text.length : i
}

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
   * Every complete line of a chunk at once. Runs of lines that can be parsed
   * together (see #batchable) go to one JSON.parse, which on ~100-byte lines
   * costs a quarter less than one call per line; the other lines, blank ones
   * included, go through #parse one by one, so a run never has to be abandoned
   * because of them. A `\r` needs no cutting off: JSON.parse skips it as whitespace.
   */
  readonly #onJsonLines = (text: string): void => {
    // Lines holding a '[' are never batched; one search finds the next such line.
    let bracket = nextBracket(text, 0)
    let runStart = 0
    let runLines = 0
    let from = 0
    for (;;) {
      const lf = text.indexOf('\n', from)
      const to = lf === -1 ? text.length : lf
      if (to > from && bracket >= to && batchableStart(text.charCodeAt(from))) {
        runLines++
      } else {
        if (runLines > 0 && !this.#parseRun(text, runStart, from - 1, runLines)) return
        runLines = 0
        if (to > from && !this.#parse(text.slice(from, to))) return
        if (bracket < to) bracket = nextBracket(text, to)
        runStart = to + 1
      }
      if (lf === -1) break
      from = lf + 1
    }
    if (runLines > 0) this.#parseRun(text, runStart, text.length, runLines)
  }

  /**
   * `lines` batchable lines, text[start, end), as one JSON array. Why its values
   * are exactly what per-line parsing gives, whatever the lines hold:
   * - each inserted comma follows the line's `\n`, so it cannot sit inside a
   *   string (JSON strings hold no raw newline): it is a comma token;
   * - the run holds no '[', so the outer array is the only array and any other
   *   container is an object, where a comma must be followed by a key string;
   *   no batchable line starts with whitespace or '"', so every inserted comma
   *   separates elements of the outer array;
   * - every line then holds at least one element; exactly `lines` elements
   *   means each line holds one value and nothing else: it parses alone to it.
   * Anything else (a bad line, a top-level comma, a bare null) is retried line
   * by line, which delivers the values before the bad line and reports it with
   * today's error; that ends the stream, so the wasted parse happens once.
   */
  #parseRun (text: string, start: number, end: number, lines: number): boolean {
    const run = start === 0 && end === text.length ? text : text.slice(start, end)
    if (lines === 1) return this.#parse(run)
    let values: unknown[]
    try {
      values = JSON.parse('[' + run.replaceAll('\n', '\n,') + ']') as unknown[]
    } catch {
      return this.#parseEach(run)
    }
    if (values.length !== lines) return this.#parseEach(run)
    for (let i = 0; i < lines; i++) if (values[i] === null) return this.#parseEach(run)
    for (let i = 0; i < lines; i++) this.push(values[i])
    return true
  }

  /** Line by line, for a run the batch refused: the values and error it gives are the reference. */
  #parseEach (text: string): boolean {
    let from = 0
    for (;;) {
      const lf = text.indexOf('\n', from)
      const to = lf === -1 ? text.length : lf
      if (to > from && !this.#parse(text.slice(from, to))) return false
      if (lf === -1) return true
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
