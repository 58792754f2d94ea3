import type net from 'node:net'
import { reconnect, type Reconnector } from '@eventwire/protocol'
import { guard } from '@eventwire/kit'
import { LinkDropReasons } from './bridge-ops.js'
import { FailureCodes, type LookupFailure } from './failures.js'
import { isStatusCodeText, judgeReply, timeoutFailure } from './replies.js'
import { ReplyFramer } from './reply-framer.js'
import { ReplyTexts } from './reply-texts.js'
import { WireQueue, type LookupCallback } from './wire-queue.js'
import { describeTlsFailure, HandshakeWait, upstreamConnector } from './upstream-tls.js'
import type { LinkDown, UpstreamLinkOptions } from './link-options.js'

export type { LookupCallback } from './wire-queue.js'
export type { LinkDown, UpstreamLinkOptions } from './link-options.js'

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
  readonly #queue = new WireQueue((text) => this.#socket?.write(text))
  readonly #timeout: LookupFailure
  readonly #texts = new ReplyTexts()
  /** TLS only: an attempt connected over TCP whose handshake is not done. */
  readonly #handshake: HandshakeWait | null
  /** Set by a 'disconnect' that came during the handshake, read by the 'reconnect' that follows. */
  #handshakeFailed = false
  #socket: net.Socket | null = null
  #framer: ReplyFramer | null = null
  #down: LinkDown = { state: 'connecting' }
  /** The last line no request was waiting for (a notice such as an idle timeout), for the 503 message. */
  #lastNotice: string | null = null
  /** Set by 'disconnect', read by the 'reconnect' that follows it in the same close. */
  #justLost = false
  /** The peer sent FIN: no new requests go here, even before 'close'. */
  #ending = false
  #lastSentAt = 0
  #nextAttemptAt = 0
  /** end() or destroy() was called: no lookups, no reconnection. */
  #closed = false
  #finished = false
  /** Connections opened, and lost (not ended by us for good): the metrics read them. */
  connects = 0
  losses = 0

  constructor (options: UpstreamLinkOptions) {
    this.#options = options
    this.#timeout = timeoutFailure(options.timeoutMs)
    this.#handshake = options.tls === null ? null : new HandshakeWait(options.tls.handshakeTimeoutMs, this.#up)
    this.#reconnector = reconnect(upstreamConnector(options.host, options.port, options.tls), options.reconnect)
    this.#reconnector.on('connect', this.#onConnect)
    this.#reconnector.on('disconnect', this.#onDisconnect)
    this.#reconnector.on('reconnect', this.#onReconnectScheduled)
  }

  /** Connected and accepting requests. */
  get usable (): boolean {
    return this.#socket !== null && !this.#ending && !this.#closed
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

  /** The socket of the connection up now (its byte counters are scraped), null between them. */
  get socket (): net.Socket | null {
    return this.#socket
  }

  /** When the next connection attempt is due (epoch ms), 0 if none is scheduled. */
  get nextAttemptAt (): number {
    return this.#nextAttemptAt
  }

  /** Queues one lookup. The caller checked `usable` and validated nothing: we do. */
  send (code: string, now: number, done: LookupCallback): void {
    // The wire is a line protocol: anything but three digits could smuggle a second request.
    if (!isStatusCodeText(code)) throw new TypeError(`refusing to send ${JSON.stringify(code)} upstream: not a 3-digit status code`)
    this.#lastSentAt = now
    this.#options.stats.framesOut++
    this.#queue.push(code, now + this.#options.timeoutMs, done)
  }

  /**
   * Called on a timer: fails lookups past their deadline with 504 (leaving
   * placeholders), recycles a connection that has answered nothing for two
   * timeouts, and probes an idle one.
   */
  sweep (now: number): void {
    this.#handshake?.sweep(now)
    const queue = this.#queue
    queue.expire(now, this.#timeout)
    const head = queue.head
    if (head !== undefined && head.deadline + this.#options.timeoutMs <= now) {
      this.#options.logger.warn({ link: this.#options.index, waiting: queue.length }, 'status-server has not answered for two timeouts; reconnecting')
      this.#options.stats.drop(LinkDropReasons.UNRESPONSIVE)
      this.#socket?.destroy()
      return
    }
    if (queue.length === 0 && this.usable && now - this.#lastSentAt >= this.#options.probeIntervalMs) {
      this.#lastSentAt = now
      this.#options.stats.framesOut++
      queue.push('200', now + this.#options.timeoutMs, null)
    }
  }

  /**
   * Stops for good, gracefully: whatever waits gets 503, no reconnection, and
   * our FIN goes out after what is queued; status-server answers and closes
   * its side. onClosed follows once the socket has closed.
   */
  end (): void {
    if (this.#closed) return
    this.#stop()
    const socket = this.#socket
    if (socket === null) {
      this.destroy()
      return
    }
    socket.end()
    socket.resume() // read (and drop) until its FIN comes
  }

  /** Stops for good at once: the socket (or the attempt under way) is destroyed. */
  destroy (): void {
    this.#stop()
    this.#reconnector.stop()
    if (this.#socket === null) this.#finish()
  }

  #stop (): void {
    if (this.#closed) return
    this.#closed = true
    this.#reconnector.off('connect', this.#onConnect)
    this.#reconnector.off('disconnect', this.#onDisconnect)
    this.#reconnector.off('reconnect', this.#onReconnectScheduled)
    this.#handshake?.cancel()
    this.#framer?.stop()
    this.#failAll('bridge is shutting down')
  }

  #finish (): void {
    if (this.#finished) return
    this.#finished = true
    this.#options.onClosed(this)
  }

  readonly #onDisconnect = (): void => {
    // reconnect() saw the TCP connect, but the link never came up: a failed attempt, not a loss.
    if (this.#handshake?.cancel() === true) {
      this.#handshakeFailed = true
      return
    }
    this.#justLost = true
    this.#down = { state: 'reconnecting', lastLine: this.#lastNotice }
  }

  readonly #onReconnectScheduled = (attempt: number, delayMs: number, lastError: Error | null): void => {
    this.#nextAttemptAt = Date.now() + delayMs
    // After a loss the next attempt is a reconnection; after a failed attempt, nothing could be reached.
    if (this.#justLost) this.#justLost = false
    else if (this.#handshakeFailed) this.#down = { state: 'unreachable', error: describeTlsFailure(lastError, this.#options.host), tls: true }
    else this.#down = { state: 'unreachable', error: lastError?.message ?? 'the connection closed while opening', tls: false }
    const tls = this.#handshakeFailed
    this.#handshakeFailed = false
    if (attempt === 1 || attempt % 10 === 0) {
      const err = tls && this.#down.state === 'unreachable' ? this.#down.error : lastError?.message
      this.#options.logger.warn({ link: this.#options.index, attempt, delayMs, err }, tls ? 'TLS handshake with status-server failed; retrying' : 'status-server unreachable; retrying')
    }
  }

  /** TCP is up; over TLS the link comes up only once its handshake is done. */
  readonly #onConnect = (socket: net.Socket): void => {
    if (this.#handshake?.start(socket, Date.now()) !== true) this.#up(socket)
  }

  readonly #up = (socket: net.Socket): void => {
    this.connects++
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
    this.#options.logger.info({ link: this.#options.index, upstream: `${this.#options.host}:${this.#options.port}`, tls: this.#handshake !== null }, this.#handshake === null ? 'connected to status-server' : 'connected to status-server over TLS')
    this.#options.onChange()
  }

  // A bug below (or in a lookup's callback) fails this link, never the process.
  readonly #onData = guard((chunk: Buffer): void => {
    this.#framer?.push(chunk)
  }, (err) => {
    this.#options.logger.error({ link: this.#options.index, err: String(err) }, 'error handling status-server output; reconnecting')
    this.#options.stats.drop(LinkDropReasons.INPUT_ERROR)
    this.#socket?.destroy()
  })

  readonly #onLine = (bytes: Buffer, start: number, end: number): void => {
    this.#options.stats.framesIn++
    const entry = this.#queue.shift()
    const line = this.#texts.text(entry === undefined ? null : entry.code, bytes, start, end)
    if (entry === undefined) {
      // Not a reply: the server's own notice (idle timeout, too many connections).
      this.#lastNotice = line.slice(0, NOTICE_LIMIT)
      this.#options.logger.warn({ link: this.#options.index, line }, 'unsolicited line from status-server')
      return
    }
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
      this.#options.stats.drop(LinkDropReasons.MISMATCH)
      this.#socket?.destroy()
      return
    }
    if (this.#queue.length < this.#options.pipeline) this.#options.onChange()
  }

  readonly #onTooLong = (): void => {
    this.#options.logger.warn({ link: this.#options.index }, 'status-server sent an oversized line; reconnecting')
    this.#options.stats.drop(LinkDropReasons.TOO_LONG)
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
      this.#options.stats.socketClosed(socket) // its bytes move into the totals as it leaves `socket`
    }
    this.#framer?.stop()
    this.#framer = null
    this.#socket = null
    if (this.#closed) {
      this.#reconnector.stop() // clears the retry its own 'close' listener may have scheduled
      this.#finish()
      return
    }
    this.losses++
    this.#options.logger.warn({ link: this.#options.index, lastLine: this.#lastNotice }, 'lost connection to status-server')
    const said = this.#lastNotice === null ? '' : ` (its last line: ${JSON.stringify(this.#lastNotice)})`
    this.#failAll(`the connection to status-server closed before the reply${said}`)
    this.#options.onChange()
  }

  #failAll (message: string): void {
    this.#queue.failAll({ code: FailureCodes.UPSTREAM_LOST, message })
  }
}
