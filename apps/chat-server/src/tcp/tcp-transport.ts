import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { ConnectionSet, guard, stopListening } from '@eventwire/kit'
import { LineSplitter, TelnetFilter, type AppLogger, type ProtocolError } from '@eventwire/protocol'
import { listen } from '@eventwire/service'
import { ChatErrorCodes, type LeaveReason, type ServerEvent } from '../core/events.js'
import { LeaveReasons } from '../core/leave-reasons.js'
import type { Member, MemberTransport } from '../core/member.js'
import type { ChatRoom } from '../core/room.js'
import { EncodeCache } from '../encode-cache.js'
import { memberFailure } from '../guard-input.js'
import { ChatTransportStats, dropReasonOf } from '../ops/transport-stats.js'
import { CorkBatch } from './cork-batch.js'
import { formatLine } from './format.js'
import { notIrcLine, sniffIrc } from './irc-sniff.js'

export interface TcpTransportOptions {
  room: ChatRoom
  logger: AppLogger
  /** Bytes queued in user space for one connection before it counts as too slow. */
  maxQueueBytes: number
  /** Longest input line in bytes; longer closes the connection. */
  maxLineBytes: number
  /** How long a graceful close may wait for the peer before the socket is destroyed. */
  closeGraceMs: number
  /**
   * A new member's join is announced at its first line, or after this long
   * without one: the time to recognise an IRC client's handshake and turn it
   * away before the room hears of it.
   */
  joinSniffMs: number
  /** The IRC port, if one is listening: named in the line that turns an IRC client away. */
  ircPort?: () => number | undefined
}

/** Corked output past this is written out at once, even mid-batch. */
const CORK_FLUSH_BYTES = 16 * 1024

/** Shared by every connection, so a connection itself holds only its own state. */
interface TcpContext extends TcpTransportOptions {
  shared: EncodeCache<Buffer>
  connections: ConnectionSet<TcpConnection>
  /** Uncorks, once per loop turn, every connection written to during it. */
  batch: CorkBatch
  stats: ChatTransportStats
}

/**
 * One netcat/telnet user: socket bytes → LineSplitter → room.input, and room
 * events → text lines. Holds no buffers of its own: the only queue is the
 * socket's, and it is checked before every write.
 */
class TcpConnection implements MemberTransport {
  readonly kind = 'tcp'
  /** netcat already shows what its user typed: no copy of their own lines. */
  readonly echo = false
  readonly #socket: net.Socket
  readonly #ctx: TcpContext
  readonly #splitter: LineSplitter
  /**
   * Debian's telnet works as a client: its IAC sequences never reach the room.
   * Made at the first IAC (byte 0xFF, never part of UTF-8 text): an nc user, the
   * usual member, costs no filter.
   */
  #telnet: TelnetFilter | null = null
  readonly member: Member
  #closeTimer: NodeJS.Timeout | undefined
  #corked = false
  /** Running until the join is announced: the first lines are checked for an IRC handshake. */
  #sniffTimer: NodeJS.Timeout | undefined
  /** A first line `NICK x`, held until the next line tells whether `USER` follows. */
  #held: string | undefined
  #interrupted = false
  /** Why the server closed it, when that counts as a drop (metrics). */
  #drop: string | undefined
  #onThrow: ((err: unknown) => void) | undefined
  // Input handlers, guarded: an exception in one fails this connection only.
  readonly #onData: (chunk: Buffer) => void
  readonly #onEnd: () => void
  readonly #onSniffTimeout: () => void

  constructor (socket: net.Socket, ctx: TcpContext) {
    this.#socket = socket
    this.#ctx = ctx
    this.#onData = this.#guarded((chunk: Buffer) => {
      if (this.#telnet === null && chunk.includes(0xff)) this.#telnet = this.#newTelnetFilter()
      this.#splitter.push(this.#telnet === null ? chunk : this.#telnet.push(chunk))
      // telnet's Ctrl-C: the user wants out. The timing-mark answer in the same chunk was written first,
      // so telnet shows our goodbye instead of discarding it.
      if (this.#interrupted) this.#ctx.room.kick(this.member, LeaveReasons.QUIT, true)
    })
    this.#onEnd = this.#guarded(() => {
      // `printf 'hi\n' | nc` style clients: deliver an unterminated last line.
      this.#splitter.end()
      if (this.#held !== undefined) this.#endSniff()
    })
    this.#onSniffTimeout = this.#guarded(() => { this.#endSniff() })
    this.#splitter = new LineSplitter({ maxLineBytes: ctx.maxLineBytes, onLine: this.#onLine, onError: this.#onFrameError })
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    ctx.connections.add(this)
    ctx.stats.opened(socket)
    this.member = ctx.room.join(this, { announce: false })
    if (this.member.present) this.#sniffTimer = setTimeout(this.#onSniffTimeout, ctx.joinSniffMs)
  }

  send (event: ServerEvent): boolean {
    const socket = this.#socket
    if (!socket.writable) return true // closing: the room learns from 'close'
    if (this.#corked && socket.writableLength >= CORK_FLUSH_BYTES) {
      // Flush a large batch early, so bytes merely held by cork() never count
      // against the slow-consumer limit: only what the kernel refused does.
      socket.uncork()
      socket.cork()
    }
    if (socket.writableLength > this.#ctx.maxQueueBytes) return this.#ctx.stats.queueFull()
    if (!this.#corked) {
      // Every line for this reader until the end of this event-loop turn (a chunk of messages,
      // a burst of joins) leaves in one writev, not one syscall per line.
      socket.cork()
      this.#corked = true
      this.#ctx.batch.add(this)
    }
    // Private lines read differently for sender and recipient; everything else is shared.
    socket.write(event.type === 'private' ? formatLine(event, this.member.nick) : this.#ctx.shared.get(event))
    this.#ctx.stats.sent(event)
    return true
  }

  close (reason: LeaveReason, graceful: boolean): void {
    this.#drop ??= dropReasonOf(reason)
    this.#splitter.stop()
    if (!graceful) {
      this.#socket.destroy()
      return
    }
    this.#socket.end()
    // A peer that stopped reading would keep a half-closed socket (and its
    // queue) forever: give it a moment to take the last lines, then cut.
    this.#closeTimer ??= setTimeout(() => this.#socket.destroy(), this.#ctx.closeGraceMs)
  }

  /** The end of a grace period: cut at once. */
  destroy (): void {
    this.#socket.destroy()
  }

  uncork (): void {
    this.#corked = false
    this.#socket.uncork()
  }

  #newTelnetFilter (): TelnetFilter {
    return new TelnetFilter({ reply: this.#writeTelnet, onCommand: (command) => { if (command === 'interrupt') this.#interrupted = true } })
  }

  /** Telnet negotiation answers are written on the peer's behalf: they count against the same queue limit. */
  readonly #writeTelnet = (bytes: Buffer): void => {
    const socket = this.#socket
    if (!socket.writable) return
    socket.write(bytes)
    if (socket.writableLength > this.#ctx.maxQueueBytes) this.#ctx.room.kick(this.member, LeaveReasons.TOO_SLOW, false)
  }

  #guarded<A extends unknown[]> (handler: (...args: A) => void): (...args: A) => void {
    // One failure handler for all of this connection's guarded handlers.
    this.#onThrow ??= memberFailure(this.#ctx, () => this.member, () => this.close(LeaveReasons.INTERNAL_ERROR, true))
    return guard(handler, this.#onThrow)
  }

  readonly #onLine = (line: string): void => {
    this.#ctx.stats.framesIn++
    if (this.#sniffTimer === undefined) {
      this.#ctx.room.input(this.member, line)
      return
    }
    const verdict = this.#held === undefined ? sniffIrc(line) : sniffIrc(this.#held, line)
    if (verdict === 'wait') {
      this.#held = line
    } else if (verdict === 'irc') {
      this.#refuseIrc()
    } else {
      this.#endSniff()
      this.#ctx.room.input(this.member, line)
    }
  }

  /** Not an IRC client: the room hears of the join now, then of the line held back, if any. */
  #endSniff (): void {
    clearTimeout(this.#sniffTimer)
    this.#sniffTimer = undefined
    this.#ctx.room.announce(this.member)
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) this.#ctx.room.input(this.member, held)
  }

  /** One line saying where it went wrong, then close; never announced, so the room sees nothing. */
  #refuseIrc (): void {
    clearTimeout(this.#sniffTimer)
    this.#sniffTimer = undefined
    this.#held = undefined
    this.#ctx.logger.debug({ id: this.member.id }, 'tcp client speaks IRC; told it this port is not IRC')
    this.#ctx.room.leave(this.member, LeaveReasons.IRC_CLIENT)
    if (this.#socket.writable) this.#socket.write(notIrcLine(this.#ctx.ircPort?.()))
    this.close(LeaveReasons.IRC_CLIENT, true)
  }

  readonly #onFrameError = (err: ProtocolError): void => {
    this.send({ type: 'error', code: ChatErrorCodes.LINE_TOO_LONG, text: `line too long: the limit is ${this.#ctx.maxLineBytes} bytes` })
    this.#ctx.room.kick(this.member, LeaveReasons.LINE_TOO_LONG, true)
    this.#ctx.logger.debug({ id: this.member.id, code: err.code }, 'tcp line too long')
  }

  readonly #onError = (err: Error): void => {
    // ECONNRESET and friends are a normal way for a chat client to leave.
    this.#ctx.logger.debug({ id: this.member?.id, err: err.message }, 'tcp socket error')
  }

  readonly #onClose = (): void => {
    clearTimeout(this.#closeTimer)
    clearTimeout(this.#sniffTimer)
    this.#held = undefined
    this.#splitter.stop()
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    this.#ctx.room.leave(this.member)
    this.#ctx.connections.delete(this)
    this.#ctx.stats.closed(this.#socket, this.#drop)
  }
}

/** Idle time before the first TCP keep-alive probe. */
const KEEPALIVE_DELAY_MS = 60_000

/** The TCP side: a net.Server whose connections become room members. */
export class TcpTransport {
  readonly server: net.Server
  /** What the metrics read. */
  readonly stats = new ChatTransportStats()
  readonly #ctx: TcpContext

  constructor (options: TcpTransportOptions) {
    this.#ctx = {
      ...options,
      shared: new EncodeCache((event) => Buffer.from(formatLine(event, ''))),
      // end: what a shutdown does to a member the room somehow did not close; destroy: after closeGraceMs.
      connections: new ConnectionSet({ closeGraceMs: options.closeGraceMs, end: (c) => { c.close(LeaveReasons.SHUTDOWN, true) }, destroy: (c) => { c.destroy() } }),
      batch: new CorkBatch(),
      stats: this.stats
    }
    // noDelay: a chat line is interactive, and one loop turn's lines already leave in one write,
    // so Nagle would only add delay. keepAlive: the kernel's probes find an idle nc user whose
    // machine vanished, without a timer per client.
    this.server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_DELAY_MS }, this.#onConnection)
    this.server.on('error', this.#onServerError)
  }

  get connections (): number {
    return this.#ctx.connections.size
  }

  async listen (port: number, host: string): Promise<AddressInfo> {
    return await listen(this.server, port, host)
  }

  /** Refuses new connections from now on; resolves once the listener is closed (open connections stay). */
  async stopAccepting (): Promise<void> {
    await stopListening(this.server)
  }

  /**
   * Stops accepting and closes every connection: the room has already told its
   * members and closed them gracefully (room.shutdown()); those still open after
   * closeGraceMs are destroyed. Resolves when none is left.
   */
  async stop (): Promise<void> {
    const serverClosed = this.stopAccepting()
    await this.#ctx.connections.close()
    await serverClosed
    this.server.off('error', this.#onServerError)
    this.#ctx.batch.flush()
  }

  /** Resolves when no connection is left; every caller gets the same promise. */
  async drained (): Promise<void> {
    await this.#ctx.connections.whenEmpty()
  }

  readonly #onConnection = (socket: net.Socket): void => {
    void new TcpConnection(socket, this.#ctx)
  }

  readonly #onServerError = (err: Error): void => {
    this.#ctx.logger.warn({ err: err.message }, 'tcp server error')
  }
}
