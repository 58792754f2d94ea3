import type net from 'node:net'
import { guard } from '@eventwire/kit'
import { LineSplitter, type ProtocolError } from '@eventwire/protocol'
import { LeaveCodes, type ChatRequest, type LeaveReason, type MessageEvent, type ServerEvent } from '../core/events.js'
import { LeaveReasons, quitReason } from '../core/leave-reasons.js'
import type { Member, MemberTransport } from '../core/member.js'
import { ChatDropReasons, dropReasonOf } from '../ops/transport-stats.js'
import { BAD_PASSWORD, passwordAccepted } from './irc-auth.js'
import { dispatch } from './irc-commands.js'
import { historyText, isRoomEvent } from './irc-events.js'
import { IrcOutput } from './irc-output.js'
import { ircLine, parseIrcLine } from './irc-message.js'
import { noticeText, personalText } from './irc-render.js'
import { channelBurst, welcomeBurst } from './irc-replies.js'
import type { IrcSession, IrcShared, Pending } from './irc-session.js'
import { cleanReason } from './irc-text.js'

/** Ping ticks a connection may stay unregistered. */
const REGISTRATION_TICKS = 2

/**
 * One IRC client: socket lines → IRC commands (irc-commands.ts) → the room,
 * and room events → IRC lines. A member of the room only between
 * registration (or JOIN) and PART/QUIT; the room never learns it is IRC.
 */
export class IrcConnection implements IrcSession, MemberTransport {
  readonly kind = 'irc'
  readonly ctx: IrcShared
  readonly caps = new Set<string>()
  member: Member | undefined
  /** PASS, judged at the end of registration against CHAT_TOKEN; never logged. */
  password: string | undefined
  readonly #socket: net.Socket
  readonly #out: IrcOutput
  readonly #splitter: LineSplitter
  #nick = '*'
  #user: string | undefined
  #registered = false
  #holding = false
  /** From room.join() to the JOIN burst: room events are not shown (the NAMES list in the burst shows the room as it is). */
  #arriving = false
  /** Inside the room.join() call: the in-process room welcomes before it returns, a cluster's welcome comes later. */
  #inJoin = false
  #welcomed = false
  /** 001–005 sent (the first entry only). */
  #greeted = false
  #online = 0
  #history: MessageEvent[] = []
  #pending: Pending | undefined
  /** Liveness for the transport's one ping timer: a line heard since the last tick, a PING sent at it. */
  #heard = true
  #pinged = false
  #ticks = 0
  /** Why the server closed it, when that counts as a drop (metrics). */
  #drop: string | undefined
  readonly #onData: (chunk: Buffer) => void
  readonly #onEnd: () => void

  constructor (socket: net.Socket, ctx: IrcShared) {
    this.#socket = socket
    this.ctx = ctx
    this.#out = new IrcOutput(socket, ctx.maxQueueBytes, ctx.closeGraceMs)
    this.#splitter = new LineSplitter({ maxLineBytes: ctx.maxLineBytes, onLine: this.#onLine, onError: this.#onFrameError })
    this.#onData = this.#guarded((chunk: Buffer) => { this.#out.corked(() => this.#splitter.push(chunk)) })
    this.#onEnd = this.#guarded(() => { this.#splitter.end() })
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    ctx.connections.add(this)
    ctx.stats.opened(socket)
  }

  /** Own messages come back only to a client that asked for them (IRCv3 echo-message); others show what they sent. */
  get echo (): boolean {
    return this.caps.has('echo-message')
  }

  get nick (): string {
    return this.member?.nick ?? this.#nick
  }

  get registered (): boolean {
    return this.#registered
  }

  send (event: ServerEvent): boolean {
    const text = this.#render(event)
    if (!this.#out.write(text)) return this.ctx.stats.queueFull()
    // '': shown otherwise (the welcome is the 001 burst) or not at all (events before the JOIN burst).
    if (text.length > 0) this.ctx.stats.sent(event)
    return true
  }

  close (reason: LeaveReason, graceful: boolean): void {
    this.#drop ??= dropReasonOf(reason)
    this.#splitter.stop()
    // IRC clients show ERROR as the reason the server closed the link.
    if (graceful) this.#out.end(`ERROR :Closing link: ${this.nick} (${reason.text})\r\n`)
    else this.#out.destroy()
  }

  destroy (): void {
    this.#out.destroy()
  }

  /** Each ping interval: silent since the last PING is dead, unregistered after two ticks is turned away, others get a PING. */
  tick (): void {
    if (!this.#registered && ++this.#ticks >= REGISTRATION_TICKS) return this.close({ code: LeaveCodes.NO_ANSWER, text: 'registration timed out' }, true)
    if (this.#pinged && !this.#heard) return this.#hangUp(LeaveReasons.NO_ANSWER, false)
    this.#heard = false
    this.#pinged = true
    this.write(`PING :${this.ctx.server}\r\n`)
  }

  reply (code: string, params: readonly string[], trailing?: string): void {
    // Before 001 the client has no nick yet: `*`, as in CAP.
    this.write(ircLine(this.ctx.server, code, [this.#registered ? this.nick : '*', ...params], trailing))
  }

  notice (text: string): void {
    this.write(noticeText(this.ctx, this.nick, text))
  }

  /** Replies written on the client's behalf count against the same queue limit as room events. */
  write (text: string): void {
    if (!this.#out.write(text)) this.#hangUp(LeaveReasons.TOO_SLOW, false)
  }

  holdRegistration (hold: boolean): void {
    if (this.#registered) return
    this.#holding = hold
    if (!hold) this.#register()
  }

  enableCap (cap: string, on: boolean): void {
    if (on) this.caps.add(cap)
    else this.caps.delete(cap)
  }

  keepNick (nick: string): void {
    const old = this.#nick
    this.#nick = nick
    if (this.#registered) this.write(`:${old}!irc@${this.ctx.server} NICK :${nick}\r\n`)
    else this.#register()
  }

  setUser (user: string): void {
    this.#user = user
    this.#register()
  }

  request (request: ChatRequest, pending: Pending): void {
    if (this.member === undefined) return
    // The room answers synchronously: an error it sends during this call is about this request.
    this.#pending = pending
    try {
      this.ctx.room.request(this.member, request)
    } finally {
      this.#pending = undefined
    }
  }

  joinChannel (): void {
    if (this.member === undefined && this.#registered) this.#enterRoom()
  }

  partChannel (message: string): void {
    const member = this.member
    if (member === undefined) return
    const text = cleanReason(message)
    this.#nick = member.nick
    this.member = undefined
    this.ctx.room.leave(member, { code: LeaveCodes.QUIT, text: text === '' ? 'part' : `part: ${text}` })
    this.write(`:${this.#nick}!irc@${this.ctx.server} PART ${this.ctx.channel} :${text}\r\n`)
  }

  quit (message: string): void {
    this.#hangUp(quitReason(cleanReason(message)), true)
  }

  /** NICK, USER and CAP END all in: join the room under the nick asked for, then 001–005, MOTD, the channel. */
  #register (): void {
    if (this.#registered || this.#holding || this.#nick === '*' || this.#user === undefined) return
    if (!passwordAccepted(this)) {
      this.#drop = ChatDropReasons.UNAUTHORIZED
      return this.close(BAD_PASSWORD, true)
    }
    if (this.ctx.room.findByNick(this.#nick) !== undefined) {
      // Taken between NICK and now: registration waits for another NICK, as on any server.
      const taken = this.#nick
      this.#nick = '*'
      return this.reply('433', [taken], 'Nickname is already in use')
    }
    this.#registered = true
    this.#enterRoom()
  }

  /**
   * Joins the room and takes the nick (the room gives every newcomer a guest
   * nick first; others see `guest-x joined`, then the rename, as with a
   * browser that re-applies its saved nick). The IRC burst follows the
   * welcome: at once in-process, when it comes with a cluster (whose rename
   * then reaches the client as a NICK line).
   */
  #enterRoom (): void {
    this.#arriving = true
    this.#welcomed = false
    this.#inJoin = true
    try {
      const member = this.ctx.room.join(this)
      if (!member.present) return
      this.member = member
      if (member.nick !== this.#nick) this.ctx.room.request(member, { type: 'nick', nick: this.#nick })
    } finally {
      this.#inJoin = false
    }
    if (this.#welcomed) this.#burst()
  }

  /** 001–005 and the MOTD the first time, then the JOIN, NAMES and the history replay. */
  #burst (): void {
    this.#arriving = false
    if (this.member?.present !== true) return
    if (!this.#greeted) {
      this.#greeted = true
      welcomeBurst(this, this.#online)
    } else if (this.nick !== this.#nick) {
      // Back after PART, and the nick was taken meanwhile: the client follows the guest nick it got instead.
      this.write(`:${this.#nick}!irc@${this.ctx.server} NICK :${this.nick}\r\n`)
    }
    channelBurst(this, this.#history)
    this.#history = []
  }

  /** Out of the room (the others are told, through it) when a member, else just closed. */
  #hangUp (reason: LeaveReason, graceful: boolean): void {
    if (this.member?.present === true) this.ctx.room.kick(this.member, reason, graceful)
    else this.close(reason, graceful)
  }

  #render (event: ServerEvent): Buffer | string {
    const tagged = this.caps.has('server-time')
    if (isRoomEvent(event)) return this.#arriving ? '' : (tagged ? this.ctx.timed : this.ctx.plain).get(event)
    // 001 is the IRC welcome; the history is replayed after NAMES.
    if (event.type === 'welcome') {
      this.#welcomed = true
      this.#online = event.online
      if (this.#arriving && !this.#inJoin) this.#burst()
      return ''
    }
    if (event.type === 'history') {
      if (!this.#arriving) return historyText(this.ctx, event.messages, tagged)
      this.#history = event.messages
      return ''
    }
    return personalText(this.ctx, { nick: this.nick, tagged, echo: this.echo, pending: this.#pending }, event)
  }

  #guarded<A extends unknown[]> (handler: (...args: A) => void): (...args: A) => void {
    return guard(handler, (err) => {
      this.ctx.logger.error({ err, id: this.member?.id, nick: this.nick, transport: this.kind }, 'input handler threw; disconnecting that member')
      try {
        this.notice('internal error: the server could not handle your last message; you are disconnected, reconnect to carry on')
        this.#hangUp(LeaveReasons.INTERNAL_ERROR, true)
      } finally {
        this.close(LeaveReasons.INTERNAL_ERROR, true)
      }
    })
  }

  readonly #onLine = (line: string): void => {
    this.ctx.stats.framesIn++
    this.#heard = true
    const message = parseIrcLine(line)
    if (message !== undefined) dispatch(this, message)
  }

  readonly #onFrameError = (err: ProtocolError): void => {
    this.notice(`line too long: the limit is ${this.ctx.maxLineBytes} bytes`)
    this.#hangUp(LeaveReasons.LINE_TOO_LONG, true)
    this.ctx.logger.debug({ id: this.member?.id, code: err.code }, 'irc line too long')
  }

  readonly #onError = (err: Error): void => {
    this.ctx.logger.debug({ id: this.member?.id, err: err.message }, 'irc socket error')
  }

  readonly #onClose = (): void => {
    this.#out.closed()
    this.#splitter.stop()
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    if (this.member !== undefined) this.ctx.room.leave(this.member)
    this.ctx.connections.delete(this)
    this.ctx.stats.closed(this.#socket, this.#drop)
  }
}
