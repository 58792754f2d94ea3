import type net from 'node:net'
import type { ConnectionSet } from '@eventwire/kit'
import { guard } from '@eventwire/kit'
import { LineSplitter, TelnetFilter, type ProtocolError } from '@eventwire/protocol'
import { ChatErrorCodes, type LeaveReason, type ServerEvent } from '../core/events.js'
import { LeaveReasons } from '../core/leave-reasons.js'
import type { Member, MemberTransport } from '../core/member.js'
import { memberFailure } from '../guard-input.js'
import { ChatDropReasons, dropReasonOf, type ChatTransportStats } from '../ops/transport-stats.js'
import { notIrcLine, sniffIrc } from './irc-sniff.js'
import { AUTH_PROMPT, authRefusalLine, authToken, type AuthRefusal } from './tcp-auth.js'
import type { TcpTransportOptions } from './tcp-transport.js'
import type { TurnWriter } from './turn-writer.js'

/** Shared by every connection, so a connection itself holds only its own state. */
export interface TcpContext extends TcpTransportOptions {
  connections: ConnectionSet<TcpConnection>
  /** Every connection's output, one write per connection per loop turn. */
  writer: TurnWriter
  stats: ChatTransportStats
}

/**
 * One netcat/telnet user: socket bytes → LineSplitter → room.input, and room
 * events → text lines. Holds no buffers of its own: its lines wait in the
 * TurnWriter until the end of the turn, then in the socket's queue; the
 * writer checks both before every line. With a token (`checkToken`)
 * it joins the room only once its first line was the right `/auth`.
 */
export class TcpConnection implements MemberTransport {
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
  /** Undefined until it joins: at once without a token, after `/auth` with one. */
  member: Member | undefined
  #closeTimer: NodeJS.Timeout | undefined
  /** Where this connection's output waits in the TurnWriter's turn; only the writer sets it. */
  turnSlot = -1
  /** Running until the first line, when a token is required: its deadline. */
  #authTimer: NodeJS.Timeout | undefined
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
  readonly #onAuthTimeout: () => void

  constructor (socket: net.Socket, ctx: TcpContext) {
    this.#socket = socket
    this.#ctx = ctx
    this.#onData = this.#guarded((chunk: Buffer) => {
      if (this.#telnet === null && chunk.includes(0xff)) this.#telnet = this.#newTelnetFilter()
      this.#splitter.push(this.#telnet === null ? chunk : this.#telnet.push(chunk))
      // telnet's Ctrl-C: the user wants out. The timing-mark answer in the same chunk was written first,
      // so telnet shows our goodbye instead of discarding it.
      if (this.#interrupted) this.#hangUp(LeaveReasons.QUIT, true)
    })
    this.#onEnd = this.#guarded(() => {
      // `printf 'hi\n' | nc` style clients: deliver an unterminated last line.
      this.#splitter.end()
      if (this.#held === undefined) return
      if (this.#authTimer === undefined) this.#endSniff()
      else this.#refuseAuth('not-auth')
    })
    this.#onSniffTimeout = this.#guarded(() => { this.#endSniff() })
    this.#onAuthTimeout = this.#guarded(() => { this.#refuseAuth('timeout') })
    // The line limit holds before the auth too: an unauthenticated peer can make us hold at most one line.
    this.#splitter = new LineSplitter({ maxLineBytes: ctx.maxLineBytes, onLine: this.#onLine, onError: this.#onFrameError })
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    ctx.connections.add(this)
    ctx.stats.opened(socket)
    if (ctx.checkToken === undefined) {
      this.#join(false)
      return
    }
    socket.write(AUTH_PROMPT)
    this.#authTimer = setTimeout(this.#onAuthTimeout, ctx.authTimeoutMs)
  }

  send (event: ServerEvent): boolean {
    return this.#ctx.writer.send(this, this.#socket, event)
  }

  close (reason: LeaveReason, graceful: boolean): void {
    this.#drop ??= dropReasonOf(reason)
    this.#splitter.stop()
    if (!graceful) {
      this.#socket.destroy()
      return
    }
    this.#ctx.writer.flushNow(this)
    this.#socket.end()
    // A peer that stopped reading would keep a half-closed socket (and its
    // queue) forever: give it a moment to take the last lines, then cut.
    this.#closeTimer ??= setTimeout(() => this.#socket.destroy(), this.#ctx.closeGraceMs)
  }

  /** The end of a grace period: cut at once. */
  destroy (): void {
    this.#socket.destroy()
  }

  /** Into the room. `announce`: the others hear of it at once (after `/auth`), else after the IRC sniff. */
  #join (announce: boolean): void {
    const member = this.#ctx.room.join(this, { announce })
    this.member = member
    if (!announce && member.present) this.#sniffTimer = setTimeout(this.#onSniffTimeout, this.#ctx.joinSniffMs)
  }

  /** Out of the room (the others are told, through it) when a member, else just closed. */
  #hangUp (reason: LeaveReason, graceful: boolean): void {
    if (this.member === undefined) this.close(reason, graceful)
    else this.#ctx.room.kick(this.member, reason, graceful)
  }

  #newTelnetFilter (): TelnetFilter {
    return new TelnetFilter({ reply: this.#writeTelnet, onCommand: (command) => { if (command === 'interrupt') this.#interrupted = true } })
  }

  /** Telnet negotiation answers are written on the peer's behalf: they count against the same queue limit. */
  readonly #writeTelnet = (bytes: Buffer): void => {
    const socket = this.#socket
    if (!socket.writable) return
    this.#ctx.writer.flushNow(this)
    socket.write(bytes)
    if (socket.writableLength > this.#ctx.maxQueueBytes) this.#hangUp(LeaveReasons.TOO_SLOW, false)
  }

  #guarded<A extends unknown[]> (handler: (...args: A) => void): (...args: A) => void {
    // One failure handler for all of this connection's guarded handlers.
    this.#onThrow ??= (err) => {
      if (this.member !== undefined) return memberFailure(this.#ctx, () => this.member as Member, () => this.close(LeaveReasons.INTERNAL_ERROR, true))(err)
      this.#ctx.logger.error({ err, transport: this.kind }, 'input handler threw before the member joined; closing that connection')
      this.close(LeaveReasons.INTERNAL_ERROR, true)
    }
    return guard(handler, this.#onThrow)
  }

  readonly #onLine = (line: string): void => {
    this.#ctx.stats.framesIn++
    const member = this.member
    if (member !== undefined && this.#sniffTimer === undefined) {
      this.#ctx.room.input(member, line)
      return
    }
    const verdict = this.#held === undefined ? sniffIrc(line) : sniffIrc(this.#held, line)
    if (verdict === 'wait') {
      this.#held = line
    } else if (verdict === 'irc') {
      this.#refuseIrc()
    } else if (member === undefined) {
      // A held `NICK x` was the first line: not an /auth either.
      this.#authenticate(this.#held === undefined ? authToken(line) : undefined)
    } else {
      this.#endSniff()
      this.#ctx.room.input(member, line)
    }
  }

  /** The first line, with a token required: the right `/auth` joins (announced at once: no IRC client types /auth). */
  #authenticate (token: string | undefined): void {
    if (token === undefined) return this.#refuseAuth('not-auth')
    if (this.#ctx.checkToken?.(token) !== true) return this.#refuseAuth('wrong')
    clearTimeout(this.#authTimer)
    this.#authTimer = undefined
    this.#ctx.logger.debug({ transport: this.kind }, 'tcp client authenticated')
    this.#join(true)
  }

  /** One line saying why, then close; it never joined, so the room knows nothing of it. */
  #refuseAuth (why: AuthRefusal): void {
    clearTimeout(this.#authTimer)
    this.#authTimer = undefined
    this.#held = undefined
    this.#drop = ChatDropReasons.UNAUTHORIZED
    this.#ctx.logger.debug({ transport: this.kind, why }, 'tcp client refused: no valid /auth')
    this.#ctx.writer.flushNow(this)
    if (this.#socket.writable) this.#socket.write(authRefusalLine(why, this.#ctx.authTimeoutMs))
    this.close(LeaveReasons.CLOSED, true)
  }

  /** Not an IRC client: the room hears of the join now, then of the line held back, if any. */
  #endSniff (): void {
    clearTimeout(this.#sniffTimer)
    this.#sniffTimer = undefined
    const member = this.member
    if (member === undefined) return
    this.#ctx.room.announce(member)
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) this.#ctx.room.input(member, held)
  }

  /** One line saying where it went wrong, then close; never announced, so the room sees nothing. */
  #refuseIrc (): void {
    clearTimeout(this.#sniffTimer)
    clearTimeout(this.#authTimer)
    this.#sniffTimer = this.#authTimer = undefined
    this.#held = undefined
    this.#ctx.logger.debug({ id: this.member?.id }, 'tcp client speaks IRC; told it this port is not IRC')
    if (this.member !== undefined) this.#ctx.room.leave(this.member, LeaveReasons.IRC_CLIENT)
    this.#ctx.writer.flushNow(this)
    if (this.#socket.writable) this.#socket.write(notIrcLine(this.#ctx.ircPort?.()))
    this.close(LeaveReasons.IRC_CLIENT, true)
  }

  readonly #onFrameError = (err: ProtocolError): void => {
    this.send({ type: 'error', code: ChatErrorCodes.LINE_TOO_LONG, text: `line too long: the limit is ${this.#ctx.maxLineBytes} bytes` })
    this.#hangUp(LeaveReasons.LINE_TOO_LONG, true)
    this.#ctx.logger.debug({ id: this.member?.id, code: err.code }, 'tcp line too long')
  }

  readonly #onError = (err: Error): void => {
    // ECONNRESET and friends are a normal way for a chat client to leave.
    this.#ctx.logger.debug({ id: this.member?.id, err: err.message }, 'tcp socket error')
  }

  readonly #onClose = (): void => {
    clearTimeout(this.#closeTimer)
    clearTimeout(this.#sniffTimer)
    clearTimeout(this.#authTimer)
    this.#held = undefined
    this.#splitter.stop()
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    if (this.member !== undefined) this.#ctx.room.leave(this.member)
    this.#ctx.connections.delete(this)
    this.#ctx.stats.closed(this.#socket, this.#drop)
  }
}
