import type { Readable } from 'node:stream'
import { LineSplitter } from '@eventwire/protocol'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import { isDoorState } from '../types.js'
import { BaseSensor } from './sensor.js'

export interface StreamSensorOptions {
  /** Where unknown lines are reported. */
  logger?: AppLogger
  /** Longest accepted line; a longer one is dropped with a log. Default 256 bytes. */
  maxLineBytes?: number
}

/**
 * A real sensor reporting through a byte stream (stdin for `DOOR_SENSOR=stdin`):
 * one line per reading, `open` or `close` (case and surrounding blanks ignored).
 * Other lines are logged and ignored; the stream's end means the sensor is gone.
 */
export class StreamSensor extends BaseSensor {
  readonly #input: Readable
  readonly #logger: AppLogger
  readonly #maxLineBytes: number
  #splitter: LineSplitter | null = null

  constructor (input: Readable, options: StreamSensorOptions = {}) {
    super()
    this.#input = input
    this.#logger = options.logger ?? silentAppLogger
    this.#maxLineBytes = options.maxLineBytes ?? 256
  }

  override start (): void {
    if (this.#splitter !== null) return
    this.#splitter = this.#newSplitter()
    this.#input.on('data', this.#onData)
    this.#input.on('end', this.#onEnd)
    this.#input.on('error', this.#onError)
  }

  override stop (): void {
    if (this.#splitter === null) return
    this.#splitter.stop()
    this.#splitter = null
    this.#input.off('data', this.#onData)
    this.#input.off('end', this.#onEnd)
    this.#input.off('error', this.#onError)
    // stdin keeps the process alive while flowing; a stopped sensor must not.
    this.#input.pause()
  }

  #newSplitter (): LineSplitter {
    return new LineSplitter({
      maxLineBytes: this.#maxLineBytes,
      // A sensor glitch must not silence it: drop the long line, keep every reading after it.
      onOverflow: 'skip',
      onLine: this.#onLine,
      onError: (err) => { this.#logger.warn({ code: err.code }, 'sensor line too long; dropped it') }
    })
  }

  readonly #onData = (chunk: Buffer | string): void => {
    this.#splitter?.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  }

  readonly #onLine = (line: string): void => {
    const word = line.trim().toLowerCase()
    if (word === '') return
    if (isDoorState(word)) this.report(word)
    else this.#logger.warn({ line: line.slice(0, 80) }, 'sensor sent an unknown line; expected "open" or "close"')
  }

  readonly #onEnd = (): void => {
    this.#splitter?.end()
    this.emit('end')
  }

  readonly #onError = (err: Error): void => {
    this.#logger.error({ err: err.message }, 'sensor input failed')
    this.emit('end')
  }
}
