import net from 'node:net'
import { reconnect, type ReconnectOptions, type Reconnector } from '@eventwire/protocol'
import { guard } from '@eventwire/kit'
import { FailureCodes, type LookupFailure } from './failures.js'
import { Fifo } from './fifo.js'
import { isStatusCodeText, judgeReply, timeoutFailure } from './replies.js'
import { ReplyFramer } from './reply-framer.js'
import type { AppLogger } from '@eventwire/protocol'

/** Called exactly once per lookup: with a failure, or with the `Code NNN: ...` line. */
export type LookupCallback = (failure: LookupFailure | null, line: string) => void

/**
 * One request on the wire. `done` is null once nobody is waiting any more (it
 * timed out, or it is a keep-alive probe): the entry stays in the queue as a
 * placeholder so that its late reply is recognised and dropped instead of being
 * handed to the next request.
 */
interface Pending {
  readonly code: string
  readonly deadline: number
  done: LookupCallback | null
}

export interface UpstreamLinkOptions {
  host: string
  port: number
  timeoutMs: number
  /** Send a probe after this long without traffic, so idle timeouts and dead peers are noticed. */
  keepAliveMs: number
  reconnect: ReconnectOptions
  logger: AppLogger
  /** Which link this is, for logs. */
  index: number
  /** Requests on the wire at once (placeholders included); Infinity: pipelined. */
  pipeline: number
  /** Take an unterminated reply after a quiet moment (servers that answer once per read). */
  quietFraming: boolean
  /** A slot freed up, the link came up, or it went down: the pool may dispatch or fail waiting lookups. */
  onChange: () => void
}

/**
 * Why a link is not usable, for the 503 message: not connected yet; lost and
 * being reopened (it was up, or the server is closing it); or unreachable (the
 * last connection attempt failed, with its error).
 */
export type LinkDown =
  | { readonly state: 'connecting' }
  | { readonly state: 'reconnecting', readonly lastLine: string | null }
  | { readonly state: 'unreachable', readonly error: string }

/** Longest reply line accepted from status-server; its longest real reply is ~150 bytes. */
const MAX_REPLY_BYTES = 4096
/** Longest notice line kept to explain a lost connection. */
const NOTICE_LIMIT = 200

/**
 * One persistent connection to status-server, pipelined up to `pipeline`
 * requests. Requests are written as they come (batched per event-loop turn into
 * one write) and replies are matched to requests purely by order, which the
 * status protocol guarantees; no listener is added per request. With pipeline 1
 * a server that answers once per read cannot mismatch replies. reconnect() from
 * the protocol package brings the connection back after any loss, with backoff
 * and jitter.
 */
export class UpstreamLink {
  readonly #options: UpstreamLinkOptions
  readonly #reconnector: Reconnector<net.Socket>
  readonly #queue = new Fifo<Pending>()
  /** How many entries from the head have passed their deadline (they are placeholders now). */
  #expired = 0
  #socket: net.Socket | null = null
  #framer: ReplyFramer | null = null
  #down: LinkDown = { state: 'connecting' }
  /** The last line no request was waiting for (a notice such as an idle timeout), for the 503 message. */
  #lastNotice: string | null = null
  /** Set by 'disconnect', read by the 'reconnect' that follows it in the same close. */
  #justLost = false
  /** The peer sent FIN: no new requests go here, even before 'close'. */
  #ending = false
  #out = ''
  #flushScheduled = false
  #lastSentAt = 0
  #nextAttemptAt = 0
  #closed = false

  constructor (options: UpstreamLinkOptions) {
    this.#options = options
    this.#reconnector = reconnect(this.#connect, options.reconnect)
    this.#reconnector.on('connect', this.#onConnect)
    this.#reconnector.on('disconnect', this.#onDisconnect)
    this.#reconnector.on('reconnect', this.#onReconnectScheduled)
  }

  /** Connected and accepting requests. */
  get usable (): boolean {
    return this.#socket !== null && !this.#ending
  }

  /** Entries on the wire, placeholders included: what counts against maxInFlight. */
  get queued (): number {
    return this.#queue.length
  }

  /** Usable and below its pipeline depth: a request sent now goes on the wire at once. */
  get hasRoom (): boolean {
    return this.usable && this.#queue.length < this.#options.pipeline
  }

  /** Why the link is not usable (meaningful only while it is not). */
  get down (): LinkDown {
    return this.#ending ? { state: 'reconnecting', lastLine: this.#lastNotice } : this.#down
  }

  /** When the next connection attempt is due (epoch ms), 0 if none is scheduled. */
  get nextAttemptAt (): number {
    return this.#nextAttemptAt
  }

  /** Queues one lookup. The caller checked `usable` and validated nothing: we do. */
  send (code: string, now: number, done: LookupCallback): void {
    // The wire is a line protocol: anything but three digits could smuggle a second request.
    if (!isStatusCodeText(code)) throw new TypeError(`refusing to send ${JSON.stringify(code)} upstream: not a 3-digit status code`)
    this.#queue.push({ code, deadline: now + this.#options.timeoutMs, done })
    this.#write(code, now)
  }

  /**
   * Called on a timer: fails lookups past their deadline with 504 (leaving
   * placeholders), recycles a connection that has answered nothing for two
   * timeouts, and probes an idle one.
   */
  sweep (now: number): void {
    const queue = this.#queue
    let entry = queue.at(this.#expired)
    while (entry !== undefined && entry.deadline <= now) {
      const done = entry.done
      entry.done = null
      this.#expired++
      if (done !== null) done(timeoutFailure(this.#options.timeoutMs), '')
      entry = queue.at(this.#expired)
    }
    const head = queue.at(0)
    if (head !== undefined && head.deadline + this.#options.timeoutMs <= now) {
      this.#options.logger.warn({ link: this.#options.index, waiting: queue.length }, 'status-server has not answered for two timeouts; reconnecting')
      this.#socket?.destroy()
      return
    }
    if (queue.length === 0 && this.usable && now - this.#lastSentAt >= this.#options.keepAliveMs) {
      queue.push({ code: '200', deadline: now + this.#options.timeoutMs, done: null })
      this.#write('200', now)
    }
  }

  /** Stops for good: fails whatever waits with 503 and closes the connection. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#reconnector.off('connect', this.#onConnect)
    this.#reconnector.off('disconnect', this.#onDisconnect)
    this.#reconnector.off('reconnect', this.#onReconnectScheduled)
    this.#reconnector.stop()
    this.#failAll('bridge is shutting down')
  }

  #write (code: string, now: number): void {
    this.#lastSentAt = now
    this.#out += code + '\n'
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      // setImmediate rather than nextTick: it runs after the whole I/O phase, so
      // requests from many HTTP connections in one turn share one write.
      setImmediate(this.#flush)
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false
    const out = this.#out
    this.#out = ''
    if (out === '' || this.#socket === null) return
    // Past backpressure the queue is still bounded by maxInFlight (4 bytes each),
    // so a false return needs no pause here.
    this.#socket.write(out)
  }

  readonly #connect = (): net.Socket => {
    return net.connect({ host: this.#options.host, port: this.#options.port, noDelay: true })
  }

  readonly #onDisconnect = (): void => {
    this.#justLost = true
    this.#down = { state: 'reconnecting', lastLine: this.#lastNotice }
  }

  readonly #onReconnectScheduled = (attempt: number, delayMs: number, lastError: Error | null): void => {
    this.#nextAttemptAt = Date.now() + delayMs
    // After a loss the next attempt is a reconnection; after a failed attempt, nothing could be reached.
    if (this.#justLost) this.#justLost = false
    else this.#down = { state: 'unreachable', error: lastError?.message ?? 'the connection closed while opening' }
    if (attempt === 1 || attempt % 10 === 0) {
      this.#options.logger.warn({ link: this.#options.index, attempt, delayMs, err: lastError?.message }, 'status-server unreachable; retrying')
    }
  }

  readonly #onConnect = (socket: net.Socket): void => {
    this.#nextAttemptAt = 0
    this.#socket = socket
    this.#ending = false
    this.#lastSentAt = Date.now()
    this.#lastNotice = null
    this.#down = { state: 'connecting' }
    this.#framer = new ReplyFramer({
      maxLineBytes: MAX_REPLY_BYTES,
      quietFraming: this.#options.quietFraming,
      waiting: () => this.#queue.length > 0,
      onLine: this.#onLine,
      onTooLong: this.#onTooLong
    })
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.once('close', this.#onClose)
    this.#options.logger.info({ link: this.#options.index, upstream: `${this.#options.host}:${this.#options.port}` }, 'connected to status-server')
    this.#options.onChange()
  }

  // A bug below (or in a lookup's callback) fails this link, never the process.
  readonly #onData = guard((chunk: Buffer): void => {
    this.#framer?.push(chunk)
  }, (err) => {
    this.#options.logger.error({ link: this.#options.index, err: String(err) }, 'error handling status-server output; reconnecting')
    this.#socket?.destroy()
  })

  readonly #onLine = (line: string): void => {
    const entry = this.#queue.shift()
    if (entry === undefined) {
      // Not a reply: the server's own notice (idle timeout, too many connections).
      this.#lastNotice = line.slice(0, NOTICE_LIMIT)
      this.#options.logger.warn({ link: this.#options.index, line }, 'unsolicited line from status-server')
      return
    }
    if (this.#expired > 0) this.#expired--
    const done = entry.done
    const problem = judgeReply(line, entry.code)
    if (problem !== null && line.startsWith('Error: ')) this.#lastNotice = line.slice(0, NOTICE_LIMIT)
    if (done !== null) { // else its request already got a 504: drop the late reply
      if (problem === null) done(null, line)
      else done(problem.failure, '')
    }
    if (problem?.resync === true) {
      // Order is all that ties replies to requests; once it is in doubt, start over.
      this.#options.logger.warn({ link: this.#options.index, code: entry.code, line }, 'reply does not match its request; reconnecting')
      this.#socket?.destroy()
      return
    }
    if (this.#queue.length < this.#options.pipeline) this.#options.onChange()
  }

  readonly #onTooLong = (): void => {
    this.#options.logger.warn({ link: this.#options.index }, 'status-server sent an oversized line; reconnecting')
    this.#socket?.destroy()
  }

  readonly #onEnd = (): void => {
    // The server is closing (graceful shutdown): stop routing here; 'close' follows.
    this.#ending = true
  }

  readonly #onClose = (): void => {
    const socket = this.#socket
    if (socket !== null) {
      socket.off('data', this.#onData)
      socket.off('end', this.#onEnd)
    }
    this.#framer?.stop()
    this.#framer = null
    this.#socket = null
    this.#out = ''
    if (!this.#closed) this.#options.logger.warn({ link: this.#options.index, lastLine: this.#lastNotice }, 'lost connection to status-server')
    const said = this.#lastNotice === null ? '' : ` (its last line: ${JSON.stringify(this.#lastNotice)})`
    this.#failAll(`the connection to status-server closed before the reply${said}`)
    this.#options.onChange()
  }

  #failAll (message: string): void {
    this.#expired = 0
    const entries = this.#queue.drain()
    if (entries.length === 0) return
    const failure: LookupFailure = { statusCode: 503, code: FailureCodes.UPSTREAM_LOST, message, retryAfterSeconds: 1 }
    for (const entry of entries) {
      const done = entry.done
      entry.done = null
      if (done !== null) done(failure, '')
    }
  }
}
