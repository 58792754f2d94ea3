import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { Backoff, type BackoffOptions } from './backoff.js'
import { ErrorCodes, ProtocolError, assertNumberOption } from './errors.js'

export interface ReconnectOptions extends BackoffOptions {
  /** Give up (emit 'fail' and stop) after this many attempts in a row that did not last. Default: never. */
  failAfter?: number
  /** An attempt that has not connected after this long is abandoned. Default 10 s. */
  connectTimeoutMs?: number
  /**
   * A connection must live this long before the backoff resets. A server that
   * accepts and drops at once therefore still sees growing delays. Default 5 s.
   */
  stableAfterMs?: number
}

export interface ReconnectEvents<S> {
  /** A connection is up. Wrap it (e.g. in a RemoteEmitter) here. */
  connect: [socket: S]
  /** A connection that was up has closed; a retry follows unless stopped or failed. */
  disconnect: [reason: Error | null]
  /** The next attempt (1-based count of attempts in a row that failed) starts after `delayMs`. */
  reconnect: [attempt: number, delayMs: number, lastError: Error | null]
  /** `failAfter` attempts in a row failed; nothing more will be tried. */
  fail: [err: ProtocolError]
}

/** True for sockets still in the middle of connecting (net.Socket, tls.TLSSocket). */
function isConnecting (stream: Duplex): boolean {
  return (stream as Duplex & { connecting?: boolean }).connecting === true
}

/**
 * Keeps one connection alive. Every failure (refused, reset, timed out, closed)
 * is an event, never an unhandled 'error'; delays follow a Backoff that resets
 * only after a connection has proved stable; stop() clears every timer it set.
 */
export class Reconnector<S extends Duplex = Duplex> extends EventEmitter<ReconnectEvents<S>> {
  readonly backoff: Backoff
  readonly #connect: () => S
  readonly #failAfter: number
  readonly #connectTimeoutMs: number
  readonly #stableAfterMs: number
  #socket: S | null = null
  #connected = false
  #failures = 0
  #lastError: Error | null = null
  #stopped = false
  #retryTimer: NodeJS.Timeout | null = null
  #connectTimer: NodeJS.Timeout | null = null
  #stableTimer: NodeJS.Timeout | null = null

  constructor (connect: () => S, options: ReconnectOptions = {}) {
    super()
    this.#connect = connect
    this.backoff = new Backoff(options)
    this.#failAfter = options.failAfter ?? Infinity
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#stableAfterMs = options.stableAfterMs ?? 5_000
    if (this.#failAfter !== Infinity) assertNumberOption('failAfter', this.#failAfter, 1)
    assertNumberOption('connectTimeoutMs', this.#connectTimeoutMs, 1)
    assertNumberOption('stableAfterMs', this.#stableAfterMs, 0)
    // First attempt on the next tick, so the caller can attach listeners first.
    this.#retryTimer = setTimeout(this.#attempt, 0)
  }

  /** The live connection, or null between connections. */
  get socket (): S | null {
    return this.#connected ? this.#socket : null
  }

  get connected (): boolean {
    return this.#connected
  }

  get stopped (): boolean {
    return this.#stopped
  }

  /** Stops for good: clears every timer and destroys the current connection. */
  stop (): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#clearTimers()
    const socket = this.#socket
    if (socket !== null) socket.destroy()
  }

  readonly #attempt = (): void => {
    this.#retryTimer = null
    if (this.#stopped) return
    let socket: S
    try {
      socket = this.#connect()
    } catch (err) {
      this.#lastError = err as Error
      this.#failures++
      this.#scheduleRetry()
      return
    }
    this.#socket = socket
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    if (isConnecting(socket)) {
      socket.once('connect', this.#onConnect)
      this.#connectTimer = setTimeout(this.#onConnectTimeout, this.#connectTimeoutMs)
    } else {
      queueMicrotask(this.#onConnect)
    }
  }

  readonly #onConnect = (): void => {
    this.#clearConnectTimer()
    if (this.#stopped || this.#socket === null || this.#socket.destroyed) return
    this.#connected = true
    this.#lastError = null
    this.#stableTimer = setTimeout(this.#onStable, this.#stableAfterMs)
    this.emit('connect', this.#socket)
  }

  readonly #onStable = (): void => {
    this.#stableTimer = null
    this.#failures = 0
    this.backoff.reset()
  }

  readonly #onConnectTimeout = (): void => {
    this.#connectTimer = null
    const err = new ProtocolError(ErrorCodes.CONNECT_TIMEOUT, `connection attempt did not complete within ${this.#connectTimeoutMs} ms`, { connectTimeoutMs: this.#connectTimeoutMs })
    this.#socket?.destroy(err)
  }

  readonly #onError = (err: Error): void => {
    this.#lastError = err
  }

  readonly #onClose = (): void => {
    const socket = this.#socket
    if (socket !== null) {
      socket.off('error', this.#onError)
      socket.off('close', this.#onClose)
      socket.off('connect', this.#onConnect)
    }
    this.#socket = null
    this.#clearConnectTimer()
    const wasConnected = this.#connected
    const wasStable = this.#stableTimer === null && wasConnected
    this.#clearStableTimer()
    this.#connected = false
    if (wasConnected) this.emit('disconnect', this.#lastError)
    if (this.#stopped) return
    if (!wasStable) this.#failures++
    this.#scheduleRetry()
  }

  #scheduleRetry (): void {
    if (this.#failures >= this.#failAfter) {
      const err = new ProtocolError(ErrorCodes.RECONNECT_FAILED, `gave up after ${this.#failures} failed connection attempts in a row`, { attempts: this.#failures }, { cause: this.#lastError })
      this.stop()
      this.emit('fail', err)
      return
    }
    const delayMs = this.backoff.next()
    this.emit('reconnect', Math.max(1, this.#failures), delayMs, this.#lastError)
    if (this.#stopped) return // a 'reconnect' listener may have stopped us
    this.#retryTimer = setTimeout(this.#attempt, delayMs)
  }

  #clearConnectTimer (): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer)
    this.#connectTimer = null
  }

  #clearStableTimer (): void {
    if (this.#stableTimer !== null) clearTimeout(this.#stableTimer)
    this.#stableTimer = null
  }

  #clearTimers (): void {
    this.#clearConnectTimer()
    this.#clearStableTimer()
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }
}

/**
 * Keeps a connection alive: `connect()` is called now and after every loss, with
 * exponential backoff and jitter between attempts.
 *
 * ```ts
 * const link = reconnect(() => net.connect(8000, '127.0.0.1'), { failAfter: 10 })
 * link.on('connect', (socket) => { const remote = new RemoteEmitter(socket) })
 * ```
 */
export function reconnect<S extends Duplex> (connect: () => S, options: ReconnectOptions = {}): Reconnector<S> {
  return new Reconnector(connect, options)
}
