import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { ErrorCodes, ProtocolError, assertNumberOption } from './errors.js'
import { decodeFrame, encodeEvent, type Frame } from './frame.js'
import { FrameWriter } from './frame-writer.js'
import { Heartbeat } from './heartbeat.js'
import { LineSplitter } from './line-splitter.js'
import { PeerEvents } from './peer-events.js'
import { addListeners, type Disposer } from './listeners.js'
import { consoleLogger, type Logger } from './logger.js'
import {
  DEFAULT_MAX_BUFFERED_BYTES,
  ExtensionEvents,
  RESERVED_EVENTS,
  isReservedEvent,
  type CloseListener,
  type EventMap,
  type RemoteEmitterOptions,
  type RequestHandler,
  type RequestOptions
} from './remote-emitter-options.js'
import { RequestChannel } from './requests.js'
import { TelnetFilter } from './telnet.js'

/**
 * The duplex-emitter pattern over any byte duplex (a TCP socket, usually):
 * `emit('event', ...args)` writes `["event",...args]\n` to the peer, and frames
 * from the peer become local events. Byte-compatible with the npm package
 * `duplex-emitter` in both directions.
 *
 * On top, invisible to a plain duplex-emitter peer (it would only see events it
 * never listens to): `request()`/`handle()` with ids and timeouts, and a heartbeat.
 * A bad frame never throws out of a socket callback: it becomes an `'error'`
 * event with a stable code and, by policy, closes this connection only.
 */
export class RemoteEmitter<Receive extends EventMap = EventMap, Send extends EventMap = EventMap> extends PeerEvents<Receive> {
  /** The underlying stream; write to it only through this emitter. */
  readonly stream: Duplex
  readonly #splitter: LineSplitter
  readonly #writer: FrameWriter
  readonly #logger: Logger
  readonly #onBadFrame: 'close' | 'ignore'
  readonly #requestTimeoutMs: number
  readonly #requests: RequestChannel
  readonly #heartbeat: Heartbeat | null
  readonly #closeListeners = new Set<CloseListener>()
  readonly #telnet: TelnetFilter | null
  readonly #removeStreamListeners: Disposer
  /** Telnet's Ctrl-C arrived: close once the rest of its chunk (a timing-mark question) is answered. */
  #interrupted = false
  #lastStreamError: Error | null = null
  #closed = false
  #closeReason: Error | null = null
  #drainWaiter: Promise<void> | null = null

  constructor (stream: Duplex, options: RemoteEmitterOptions = {}) {
    super()
    this.stream = stream
    this.#logger = options.logger ?? consoleLogger
    this.#onBadFrame = options.onBadFrame ?? 'close'
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000
    assertNumberOption('requestTimeoutMs', this.#requestTimeoutMs, 1)
    const maxPending = options.maxPendingRequests ?? 1024
    assertNumberOption('maxPendingRequests', maxPending, 1)
    this.#requests = new RequestChannel(maxPending, (frame) => this.#write(frame))
    const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
    assertNumberOption('maxBufferedBytes', maxBufferedBytes, 1)
    this.#writer = new FrameWriter(stream, maxBufferedBytes, this.#fail)
    this.#telnet = options.telnet === true
      ? new TelnetFilter({ reply: (bytes) => { if (this.#writable) this.#writer.writeRaw(bytes) }, onCommand: (command) => { if (command === 'interrupt') this.#interrupted = true } })
      : null
    this.#splitter = new LineSplitter({ maxLineBytes: options.maxLineBytes, onLine: this.#onLine, onError: this.#fail })
    this.#heartbeat = options.heartbeat
      ? new Heartbeat(options.heartbeat, this.#sendPing, this.#onHeartbeatTimeout)
      : null
    // Frames of one tick already leave in one write: Nagle's algorithm could only hold
    // a lone request back until the previous segment's ACK, up to a delayed-ACK 40 ms (ws does the same).
    if (typeof (stream as Partial<Socket>).setNoDelay === 'function') (stream as Socket).setNoDelay(true)
    this.#removeStreamListeners = addListeners(stream, { data: this.#onData, end: this.#onEnd, error: this.#onStreamError, close: this.#onStreamClose })
    if (stream.destroyed) queueMicrotask(() => this.#finish(null))
  }

  /** True once the connection is gone or close() was called. */
  get closed (): boolean {
    return this.#closed
  }

  /** Bytes written but not yet handed to the OS: what a slow peer costs us. */
  get bufferedBytes (): number {
    return this.stream.writableLength
  }

  /** Requests waiting for their response. */
  get pendingRequests (): number {
    return this.#requests.pending
  }

  /**
   * Calls `listener` once when the connection is gone (peer closed, error,
   * close(), destroy()); at once, on the next microtask, if it already is.
   * Returns a function that removes the listener.
   */
  onClose (listener: CloseListener): () => void {
    if (this.#closed) {
      const reason = this.#closeReason
      queueMicrotask(() => listener(reason))
      return () => {}
    }
    this.#closeListeners.add(listener)
    return () => { this.#closeListeners.delete(listener) }
  }

  /**
   * Sends `["event",...args]\n` to the peer. Returns false when the stream's
   * buffer is full (wait for `drained()` before sending more) or the connection
   * is closed (nothing was sent). Throws ERR_RESERVED_EVENT for reserved names and
   * ERR_UNENCODABLE for arguments JSON cannot carry: both are caller bugs.
   */
  emit<K extends keyof Send & string> (event: K, ...args: Parameters<Send[K]>): boolean {
    if (typeof event !== 'string' || event === '') {
      throw new ProtocolError(ErrorCodes.INVALID_FRAME, 'event name must be a non-empty string', { event: typeof event })
    }
    if (isReservedEvent(event)) {
      throw new ProtocolError(ErrorCodes.RESERVED_EVENT, `event name ${JSON.stringify(event)} is reserved; pick another name`, { event })
    }
    return this.#write(encodeEvent(event, args))
  }

  /** Resolves when the stream can take more data; rejects with ERR_CLOSED if it closes first. */
  drained (): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('drained()'))
    if (!this.stream.writableNeedDrain) return Promise.resolve()
    // One pair of listeners however many callers wait.
    this.#drainWaiter ??= new Promise<void>((resolve, reject) => {
      const done = (): void => {
        removeDrain()
        removeCloseListener()
        this.#drainWaiter = null
      }
      const removeDrain = addListeners(this.stream, { drain: () => { done(); resolve() } })
      const removeCloseListener = this.onClose(() => { done(); reject(this.#closedError('drained()')) })
    })
    return this.#drainWaiter
  }

  /**
   * Asks the peer's handler for `method` and resolves with its result. Rejects
   * with ERR_REQUEST_TIMEOUT, ERR_NO_HANDLER, ERR_REMOTE_ERROR, ERR_CLOSED or
   * ERR_TOO_MANY_REQUESTS. A response after the timeout is dropped.
   */
  request<T = unknown> (method: string, args: readonly unknown[] = [], options?: RequestOptions): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError(`request ${JSON.stringify(method)}`))
    let timeoutMs = this.#requestTimeoutMs
    if (options?.timeoutMs !== undefined) {
      timeoutMs = options.timeoutMs
      assertNumberOption('timeoutMs', timeoutMs, 1)
    }
    return this.#requests.request(method, args, timeoutMs) as Promise<T>
  }

  /** Answers the peer's `request(method, ...)`. Returns a function that removes the handler. */
  handle (method: string, handler: RequestHandler): () => void {
    return this.#requests.handle(method, handler)
  }

  /**
   * Ends the connection cleanly: frames already emitted are flushed, pending
   * requests reject with ERR_CLOSED, timers stop, close listeners run, and every
   * listener this emitter put on the stream is removed.
   */
  close (): void {
    if (this.#closed) return
    this.#writer.uncork()
    this.stream.end()
    this.#finish(null)
  }

  /** Ends the connection at once, dropping unsent data, and reports `reason` to the close listeners. */
  destroy (reason: Error | null = null): void {
    if (this.#closed) return
    this.stream.destroy()
    this.#finish(reason)
  }

  get #writable (): boolean {
    return !this.#closed && this.stream.writable
  }

  #write (text: string): boolean {
    return this.#writable && this.#writer.write(text)
  }

  readonly #onData = (chunk: Buffer | string): void => {
    this.#heartbeat?.seen()
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (this.#telnet === null) {
      this.#splitter.push(bytes)
      return
    }
    this.#splitter.push(this.#telnet.push(bytes))
    if (this.#interrupted) this.close()
  }

  readonly #onEnd = (): void => {
    this.#splitter.end()
  }

  readonly #onLine = (line: string): void => {
    const frame = decodeFrame(line)
    if (frame === null) return
    if (frame instanceof ProtocolError) return this.#badFrame(frame)
    const event = frame[0]
    if (event.charCodeAt(0) === 36 /* $ */) return this.#onExtension(event, frame)
    if (RESERVED_EVENTS.has(event)) {
      this.#logger.warn({ event }, 'dropped a frame with a reserved event name from the peer')
      return
    }
    switch (frame.length) {
      case 1: this.local.emit(event); break
      case 2: this.local.emit(event, frame[1]); break
      case 3: this.local.emit(event, frame[1], frame[2]); break
      default: this.local.emit(event, ...frame.slice(1))
    }
  }

  #onExtension (event: string, frame: Frame): void {
    switch (event) {
      case ExtensionEvents.PING:
        this.#heartbeat?.arm()
        this.#write(encodeEvent(ExtensionEvents.PONG, frame.slice(1, 2)))
        return
      case ExtensionEvents.PONG:
        // seen() already counted it as life; now we know the peer answers pings.
        this.#heartbeat?.arm()
        return
      case ExtensionEvents.REQUEST:
        return this.#requests.onRequest(frame[1] as string, frame[2] as string, frame.slice(3))
      case ExtensionEvents.RESPONSE:
        return this.#requests.onResponse(frame[1] as string, frame[2], frame[3])
      default:
        this.#logger.warn({ event }, 'dropped a frame with an unknown reserved ($) event name from the peer')
    }
  }

  readonly #sendPing = (seq: number): void => {
    this.#write(encodeEvent(ExtensionEvents.PING, [seq]))
  }

  readonly #onHeartbeatTimeout = (silentMs: number): void => {
    this.#fail(new ProtocolError(ErrorCodes.HEARTBEAT_TIMEOUT, `peer sent nothing for ${silentMs} ms; closing the connection`, { silentMs }))
  }

  /** A broken rule that ends the connection: an oversized frame, a dead or non-reading peer. */
  readonly #fail = (err: ProtocolError): void => {
    this.#report(err)
    this.destroy(err)
  }

  #badFrame (err: ProtocolError): void {
    if (this.#onBadFrame === 'ignore') this.#report(err)
    else this.#fail(err)
  }

  /** 'error' if someone listens, a log line otherwise: a peer's bad bytes never throw. */
  #report (err: Error): void {
    if (this.local.listenerCount('error') > 0) this.local.emit('error', err)
    else this.#logger.warn({ code: (err as ProtocolError).code, err: err.message }, 'remote emitter error')
  }

  readonly #onStreamError = (err: Error): void => {
    this.#lastStreamError = err
    this.#report(err)
  }

  readonly #onStreamClose = (): void => {
    this.#finish(this.#lastStreamError)
  }

  #closedError (what: string): ProtocolError {
    return new ProtocolError(ErrorCodes.CLOSED, `${what}: the connection is closed`)
  }

  #finish (reason: Error | null): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeReason = reason
    this.#heartbeat?.stop()
    this.#splitter.stop()
    this.#requests.close(this.#closedError('request'))
    this.#removeStreamListeners()
    const stream = this.stream
    if (!stream.closed) {
      // Ending may still fail (EPIPE); keep one guard until the stream is gone, then remove it.
      const removeGuard = addListeners(stream, { error: () => {}, close: () => removeGuard() })
    }
    const listeners = [...this.#closeListeners]
    this.#closeListeners.clear()
    for (const listener of listeners) listener(reason)
  }
}
