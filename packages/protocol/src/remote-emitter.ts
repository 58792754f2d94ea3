import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { nanoid } from 'nanoid'
import { ErrorCodes, ProtocolError, assertNumberOption } from './errors.js'
import { encodeEvent } from './frame.js'
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js'
import { excerpt, parseJsonLine } from './json-line.js'
import { LineSplitter } from './line-splitter.js'
import { consoleLogger, type Logger } from './logger.js'
import { PendingRequests } from './pending-requests.js'
import { TelnetFilter } from './telnet.js'

/** Event name → listener signature. Separate maps type what we receive and what we send. */
export type EventMap = { [event: string]: (...args: any[]) => void }

/**
 * The emitter's own events; their names can never travel on the wire. Only
 * 'error' shares the event namespace (as in duplex-emitter): the end of the
 * connection is reported through onClose(), so peers stay free to send events
 * such as `["close", at]` (the door protocol does).
 */
export interface RemoteEmitterLifecycle {
  /** A coded ProtocolError (bad frame, heartbeat timeout) or the stream's own error. */
  error: (err: Error) => void
}

/** Called once when the connection is gone; `reason` is null after a clean close. */
export type CloseListener = (reason: Error | null) => void

/** Extension frames: the `$` prefix is reserved for them. */
export const ExtensionEvents = {
  PING: '$ping',
  PONG: '$pong',
  REQUEST: '$req',
  RESPONSE: '$res'
} as const

/** Names no peer can send or receive as an ordinary event. Names starting with `$` are reserved too. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['error', 'newListener', 'removeListener'])

/** True for names that may not be used as ordinary events. */
export function isReservedEvent (event: string): boolean {
  return RESERVED_EVENTS.has(event) || event.charCodeAt(0) === 36 /* $ */
}

export type RequestHandler = (...args: any[]) => unknown

export interface RequestOptions {
  /** Default: the emitter's `requestTimeoutMs`. */
  timeoutMs?: number
}

export interface RemoteEmitterOptions {
  /** Longest frame accepted from the peer, in bytes. Default 1 MiB. */
  maxLineBytes?: number
  /**
   * What a malformed frame from the peer (invalid JSON, not an array, no string
   * event name) does: 'close' (default) reports it and ends the connection;
   * 'ignore' reports it and goes on. An oversized frame always closes.
   */
  onBadFrame?: 'close' | 'ignore'
  /** Where dropped frames are logged. Default: stderr. */
  logger?: Logger
  /** Default timeout of `request()`. Default 10 s. */
  requestTimeoutMs?: number
  /** Requests waiting for a response at once; past it `request()` rejects. Default 1024. */
  maxPendingRequests?: number
  /** Dead-peer detection; off by default. */
  heartbeat?: HeartbeatOptions | false
  /**
   * Bytes queued on the stream (frames we sent, pongs and responses written on the
   * peer's behalf included) past which the peer counts as not reading: the
   * connection is destroyed with ERR_QUEUE_FULL. Default 1 MiB.
   */
  maxBufferedBytes?: number
  /**
   * Accept Debian's `telnet` as a client: IAC sequences are stripped from the
   * input (and answered), and telnet's Ctrl-C (IAC IP) closes the connection.
   * For servers whose port people may try by hand. Default false.
   */
  telnet?: boolean
}

/** 1 MiB of unsent frames: far above any healthy backlog, far below what a flood could cost. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024

interface WireError { code?: unknown, message?: unknown }

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
export class RemoteEmitter<Receive extends EventMap = EventMap, Send extends EventMap = EventMap> {
  /** The underlying stream; write to it only through this emitter. */
  readonly stream: Duplex
  readonly #local = new EventEmitter()
  readonly #splitter: LineSplitter
  readonly #logger: Logger
  readonly #onBadFrame: 'close' | 'ignore'
  readonly #requestTimeoutMs: number
  readonly #pending: PendingRequests
  readonly #handlers = new Map<string, RequestHandler>()
  readonly #heartbeat: Heartbeat | null
  readonly #closeListeners = new Set<CloseListener>()
  readonly #maxBufferedBytes: number
  readonly #telnet: TelnetFilter | null
  /** Telnet's Ctrl-C arrived: close once the rest of its chunk (a timing-mark question) is answered. */
  #interrupted = false
  #lastStreamError: Error | null = null
  #corked = false
  #wroteThisTick = false
  #closed = false
  #drainWaiter: Promise<void> | null = null

  constructor (stream: Duplex, options: RemoteEmitterOptions = {}) {
    this.stream = stream
    this.#logger = options.logger ?? consoleLogger
    this.#onBadFrame = options.onBadFrame ?? 'close'
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000
    assertNumberOption('requestTimeoutMs', this.#requestTimeoutMs, 1)
    const maxPending = options.maxPendingRequests ?? 1024
    assertNumberOption('maxPendingRequests', maxPending, 1)
    this.#pending = new PendingRequests(maxPending)
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
    assertNumberOption('maxBufferedBytes', this.#maxBufferedBytes, 1)
    this.#telnet = options.telnet === true
      ? new TelnetFilter({ reply: (bytes) => this.#writeRaw(bytes), onCommand: (command) => { if (command === 'interrupt') this.#interrupted = true } })
      : null
    this.#splitter = new LineSplitter({
      maxLineBytes: options.maxLineBytes,
      onLine: this.#onLine,
      onError: this.#onFrameTooLarge
    })
    // Many subsystems may listen for the same peer event; the default cap of 10 is a false alarm here.
    this.#local.setMaxListeners(0)
    this.#heartbeat = options.heartbeat
      ? new Heartbeat(options.heartbeat, this.#sendPing, this.#onHeartbeatTimeout)
      : null

    stream.on('data', this.#onData)
    stream.on('end', this.#onEnd)
    stream.on('error', this.#onStreamError)
    stream.on('close', this.#onStreamClose)
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
    return this.#pending.size
  }

  on<K extends keyof RemoteEmitterLifecycle> (event: K, listener: RemoteEmitterLifecycle[K]): this
  on<K extends keyof Receive & string> (event: K, listener: Receive[K]): this
  on (event: string, listener: (...args: any[]) => void): this {
    this.#local.on(event, listener)
    return this
  }

  once<K extends keyof RemoteEmitterLifecycle> (event: K, listener: RemoteEmitterLifecycle[K]): this
  once<K extends keyof Receive & string> (event: K, listener: Receive[K]): this
  once (event: string, listener: (...args: any[]) => void): this {
    this.#local.once(event, listener)
    return this
  }

  off<K extends keyof RemoteEmitterLifecycle> (event: K, listener: RemoteEmitterLifecycle[K]): this
  off<K extends keyof Receive & string> (event: K, listener: Receive[K]): this
  off (event: string, listener: (...args: any[]) => void): this {
    this.#local.off(event, listener)
    return this
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

  /** Listeners for a local event (mostly for leak checks in tests). */
  listenerCount (event: string): number {
    return this.#local.listenerCount(event)
  }

  /**
   * Sends `["event",...args]\n` to the peer. Returns false when the stream's
   * buffer is full (wait for `drained()` before sending more) or the connection
   * is closed (nothing was sent). Throws ERR_RESERVED_EVENT for reserved names and
   * ERR_UNENCODABLE for arguments JSON cannot carry: both are caller bugs.
   */
  emit<K extends keyof Send & string> (event: K, ...args: Parameters<Send[K]>): boolean {
    if (typeof event !== 'string' || event === '') {
      throw new ProtocolError(ErrorCodes.INVALID_FRAME, 'event name must be a non-empty string', { event: String(event) })
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
        this.stream.off('drain', onDrain)
        removeCloseListener()
        this.#drainWaiter = null
      }
      const onDrain = (): void => { done(); resolve() }
      const removeCloseListener = this.onClose(() => { done(); reject(this.#closedError('drained()')) })
      this.stream.on('drain', onDrain)
    })
    return this.#drainWaiter
  }

  /**
   * Asks the peer's handler for `method` and resolves with its result. Rejects
   * with ERR_REQUEST_TIMEOUT, ERR_NO_HANDLER, ERR_REMOTE_ERROR, ERR_CLOSED or
   * ERR_TOO_MANY_REQUESTS. A response after the timeout is dropped.
   */
  request<T = unknown> (method: string, args: readonly unknown[] = [], options: RequestOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError(`request ${JSON.stringify(method)}`))
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs
    assertNumberOption('timeoutMs', timeoutMs, 1)
    const id = nanoid()
    const frame = encodeEvent(ExtensionEvents.REQUEST, [id, method, ...args])
    const result = this.#pending.add(id, method, timeoutMs)
    this.#write(frame)
    return result as Promise<T>
  }

  /** Answers the peer's `request(method, ...)`. Returns a function that removes the handler. */
  handle (method: string, handler: RequestHandler): () => void {
    this.#handlers.set(method, handler)
    return () => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method)
    }
  }

  /**
   * Ends the connection cleanly: frames already emitted are flushed, pending
   * requests reject with ERR_CLOSED, timers stop, close listeners run, and every
   * listener this emitter put on the stream is removed.
   */
  close (): void {
    if (this.#closed) return
    this.#uncork()
    this.stream.end()
    this.#finish(null)
  }

  /** Ends the connection at once, dropping unsent data, and reports `reason` to the close listeners. */
  destroy (reason: Error | null = null): void {
    if (this.#closed) return
    this.stream.destroy()
    this.#finish(reason)
  }

  #write (text: string): boolean {
    if (this.#closed || !this.stream.writable) return false
    // The first frame of a tick leaves at once (no added latency for a lone
    // request); the frames that follow it in the same tick are corked and leave
    // together in one writev at the end of the tick instead of one syscall each.
    if (!this.#wroteThisTick) {
      this.#wroteThisTick = true
      process.nextTick(this.#endTick)
    } else if (!this.#corked) {
      this.#corked = true
      this.stream.cork()
    }
    const ok = this.stream.write(text)
    this.#checkQueue()
    return ok
  }

  /** Telnet negotiation answers: raw bytes, counted against the same queue limit. */
  #writeRaw (bytes: Buffer): void {
    if (this.#closed || !this.stream.writable) return
    this.stream.write(bytes)
    this.#checkQueue()
  }

  #checkQueue (): void {
    const queued = this.stream.writableLength
    if (queued <= this.#maxBufferedBytes) return
    const err = new ProtocolError(ErrorCodes.QUEUE_FULL, `peer is not reading: ${queued} bytes wait to be sent (maxBufferedBytes ${this.#maxBufferedBytes}); closing the connection`, { queued, maxBufferedBytes: this.#maxBufferedBytes })
    this.#report(err)
    this.destroy(err)
  }

  readonly #endTick = (): void => {
    this.#wroteThisTick = false
    this.#uncork()
  }

  #uncork (): void {
    if (!this.#corked) return
    this.#corked = false
    this.stream.uncork()
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
    if (line === '') return
    const parsed = parseJsonLine(line)
    if (!parsed.ok) return this.#badFrame(parsed.error)
    const frame = parsed.value
    if (!Array.isArray(frame) || typeof frame[0] !== 'string') {
      return this.#badFrame(new ProtocolError(ErrorCodes.INVALID_FRAME, `frame must be a JSON array starting with an event name, got ${JSON.stringify(excerpt(line))}`, { line: excerpt(line) }))
    }
    const event: string = frame[0]
    if (event.charCodeAt(0) === 36 /* $ */) return this.#onExtension(event, frame)
    if (RESERVED_EVENTS.has(event)) {
      this.#logger.warn({ event }, 'dropped a frame with a reserved event name from the peer')
      return
    }
    switch (frame.length) {
      case 1: this.#local.emit(event); break
      case 2: this.#local.emit(event, frame[1]); break
      case 3: this.#local.emit(event, frame[1], frame[2]); break
      default: this.#local.emit(event, ...frame.slice(1))
    }
  }

  #onExtension (event: string, frame: unknown[]): void {
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
        return this.#onRequest(frame)
      case ExtensionEvents.RESPONSE:
        return this.#onResponse(frame)
      default:
        this.#logger.warn({ event }, 'dropped a frame with an unknown reserved ($) event name from the peer')
    }
  }

  #onRequest (frame: unknown[]): void {
    const [, id, method, ...args] = frame
    if (typeof id !== 'string' || typeof method !== 'string') {
      return this.#badFrame(new ProtocolError(ErrorCodes.INVALID_FRAME, 'request frame must be ["$req", id, method, ...args]', {}))
    }
    const handler = this.#handlers.get(method)
    if (handler === undefined) {
      return this.#respond(id, { code: ErrorCodes.NO_HANDLER, message: `no handler for ${JSON.stringify(method)}` }, null)
    }
    let result: unknown
    try {
      result = handler(...args)
    } catch (err) {
      return this.#respond(id, toWireError(err), null)
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.#respond(id, null, value),
        (err) => this.#respond(id, toWireError(err), null)
      )
    } else {
      this.#respond(id, null, result)
    }
  }

  #respond (id: string, error: WireError | null, value: unknown): void {
    let frame: string
    try {
      frame = encodeEvent(ExtensionEvents.RESPONSE, [id, error, value ?? null])
    } catch (err) {
      frame = encodeEvent(ExtensionEvents.RESPONSE, [id, toWireError(err), null])
    }
    this.#write(frame)
  }

  #onResponse (frame: unknown[]): void {
    const [, id, wireError, value] = frame
    if (typeof id !== 'string') {
      return this.#badFrame(new ProtocolError(ErrorCodes.INVALID_FRAME, 'response frame must be ["$res", id, error, value]', {}))
    }
    const error = wireError == null ? null : fromWireError(wireError as WireError)
    // False for a response that arrives after its timeout: it is dropped, never reused.
    this.#pending.settle(id, error, value)
  }

  readonly #sendPing = (seq: number): void => {
    this.#write(encodeEvent(ExtensionEvents.PING, [seq]))
  }

  readonly #onHeartbeatTimeout = (silentMs: number): void => {
    const err = new ProtocolError(ErrorCodes.HEARTBEAT_TIMEOUT, `peer sent nothing for ${silentMs} ms; closing the connection`, { silentMs })
    this.#report(err)
    this.destroy(err)
  }

  readonly #onFrameTooLarge = (err: ProtocolError): void => {
    this.#report(err)
    this.destroy(err)
  }

  #badFrame (err: ProtocolError): void {
    this.#report(err)
    if (this.#onBadFrame === 'close') {
      this.#splitter.stop()
      this.destroy(err)
    }
  }

  /** 'error' if someone listens, a log line otherwise: a peer's bad bytes never throw. */
  #report (err: Error): void {
    if (this.#local.listenerCount('error') > 0) this.#local.emit('error', err)
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

  #closeReason: Error | null = null

  #finish (reason: Error | null): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeReason = reason
    this.#heartbeat?.stop()
    this.#splitter.stop()
    this.#pending.rejectAll(this.#closedError('request'))
    this.#handlers.clear()
    const stream = this.stream
    stream.off('data', this.#onData)
    stream.off('end', this.#onEnd)
    stream.off('error', this.#onStreamError)
    stream.off('close', this.#onStreamClose)
    if (!stream.closed) {
      // Ending may still fail (EPIPE); keep one guard until the stream is gone, then remove it.
      const guard = (): void => {}
      stream.on('error', guard)
      stream.once('close', () => stream.off('error', guard))
    }
    const listeners = [...this.#closeListeners]
    this.#closeListeners.clear()
    for (const listener of listeners) listener(reason)
  }
}

function toWireError (err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return { code: typeof code === 'string' ? code : ErrorCodes.REMOTE_ERROR, message: err.message }
  }
  return { code: ErrorCodes.REMOTE_ERROR, message: String(err) }
}

function fromWireError (wire: WireError): ProtocolError {
  const remoteCode = typeof wire.code === 'string' ? wire.code : ErrorCodes.REMOTE_ERROR
  const message = typeof wire.message === 'string' ? wire.message : 'remote handler failed'
  const code = remoteCode === ErrorCodes.NO_HANDLER ? ErrorCodes.NO_HANDLER : ErrorCodes.REMOTE_ERROR
  return new ProtocolError(code, message, { remoteCode })
}
