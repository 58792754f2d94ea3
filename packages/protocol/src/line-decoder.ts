import { Transform, type TransformCallback } from 'node:stream'
import { ErrorCodes, ProtocolError } from './errors.js'
import { parseJsonLine, excerpt } from './json-line.js'
import { LineSplitter } from './line-splitter.js'

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
    this.#splitter = new LineSplitter({
      maxLineBytes: options.maxLineBytes,
      // The mode is fixed per decoder: choosing the handler once keeps a test off every line.
      onLine: (options.json ?? true) ? this.#onJsonLine : this.#onTextLine,
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
    if (line === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      // The slow path builds the coded error; the hot path stays a bare parse.
      return this.#fail((parseJsonLine(line) as { error: ProtocolError }).error)
    }
    if (value === null) {
      return this.#fail(new ProtocolError(ErrorCodes.INVALID_FRAME, 'a bare null cannot travel through an object-mode stream', { line: excerpt(line) }))
    }
    this.push(value)
  }

  #fail (err: ProtocolError): void {
    this.#error = err
    this.#splitter.stop()
  }
}
