import { nanoid } from 'nanoid'
import { parseLine, HELP_TEXT } from './commands.js'
import { ChatErrorCodes, type ChatErrorCode, type ChatRequest, type MessageEvent, type ServerEvent } from './events.js'
import { History } from './history.js'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import { Member, type MemberTransport } from './member.js'
import { NickRegistry } from './nick-registry.js'
import { RateLimiter } from './rate-limit.js'
import { DEFAULT_ANNOUNCE_LIMIT, DEFAULT_HISTORY_SIZE, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_RATE_LIMIT, LeaveReasons, type ChatRoomOptions } from './room-options.js'
import { codePointLength, sanitizeText } from './sanitize.js'

export { DEFAULT_ANNOUNCE_LIMIT, DEFAULT_HISTORY_SIZE, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_RATE_LIMIT, LeaveReasons, type ChatRoomOptions } from './room-options.js'

/**
 * The chat room: members, nicknames, commands, history and fan-out. It knows
 * nothing about sockets; each member carries a MemberTransport and the room
 * only calls its `send` and `close`.
 *
 * Fan-out never waits: `send` either queues or reports the member's queue as
 * full, in which case that member is dropped and everyone else carries on.
 * Every event object passed to several members is built once and shared, so a
 * transport can encode it once (see EncodeCache) instead of once per member.
 */
export class ChatRoom {
  /** Members by id, in join order. Read-only for callers: use join/leave. */
  readonly members = new Map<string, Member>()
  readonly maxMessageLength: number
  readonly announceLimit: number
  readonly #nicks = new NickRegistry()
  readonly #history: History
  readonly #limiter: RateLimiter
  readonly #log: AppLogger
  #closing = false

  constructor (options: ChatRoomOptions = {}) {
    const historySize = options.historySize ?? DEFAULT_HISTORY_SIZE
    if (!Number.isInteger(historySize) || historySize < 0) throw new RangeError('historySize must be an integer >= 0')
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH
    if (!(this.maxMessageLength >= 1)) throw new RangeError('maxMessageLength must be >= 1')
    this.announceLimit = options.announceLimit ?? DEFAULT_ANNOUNCE_LIMIT
    if (!(this.announceLimit >= 0)) throw new RangeError('announceLimit must be >= 0')
    this.#history = new History(historySize)
    this.#limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT)
    this.#log = options.logger ?? silentAppLogger
  }

  get size (): number {
    return this.members.size
  }

  /** True once shutdown() has started. */
  get closing (): boolean {
    return this.#closing
  }

  /** Recent messages, oldest first. */
  history (): MessageEvent[] {
    return this.#history.toArray()
  }

  /** The member with this nickname (any case, or a look-alike of it), if present. */
  findByNick (nick: string): Member | undefined {
    return this.#nicks.find(nick)
  }

  /**
   * Adds a connection to the room: welcome, history replay, join notice to the
   * others. With `announce: false` the notice waits for announce(), and a
   * member who leaves before it is never announced at all (the TCP transport
   * uses this to turn away IRC clients without a word to the room).
   */
  join (transport: MemberTransport, { announce = true }: { announce?: boolean } = {}): Member {
    const { nick, key } = this.#nicks.freeGuest()
    const member = new Member(nanoid(), nick, key, transport, this.#limiter.burst, Date.now())
    if (this.#closing) {
      member.present = false
      transport.send({ type: 'system', text: 'the server is shutting down' })
      transport.close(LeaveReasons.SHUTDOWN, true)
      return member
    }
    this.members.set(member.id, member)
    this.#nicks.add(member)
    this.#log.debug({ id: member.id, nick, transport: transport.kind }, 'member joined')
    const online = this.members.size
    if (!this.#deliver(member, {
      type: 'welcome',
      id: member.id,
      nick,
      online,
      text: `Welcome to eventwire chat, ${nick}! ${online} online. Type /help for commands.`
    })) return member
    if (this.#history.length > 0 && !this.#deliver(member, { type: 'history', messages: this.#history.toArray() })) return member
    if (announce) this.announce(member)
    return member
  }

  /**
   * Announces a member's join to those who were there before it; those who
   * came later already counted it in their welcome. Once per member.
   */
  announce (member: Member): void {
    if (!member.present || member.announced) return
    member.announced = true
    let earlier = 0
    for (const m of this.members.values()) {
      if (m === member) break
      earlier++
    }
    if (earlier + 1 <= this.announceLimit) this.#broadcast({ type: 'join', nick: member.nick, ts: Date.now() }, member, true)
  }

  /**
   * The connection is gone (closed by the peer or after close()). Removes the
   * member at once, so nothing is ever written to a dead connection, and tells
   * the others. Safe to call more than once.
   */
  leave (member: Member, reason: string = LeaveReasons.CLOSED): void {
    if (!this.#remove(member)) return
    this.#log.debug({ id: member.id, nick: member.nick, reason }, 'member left')
    // Counted before removal, so the limit means the same for joins and leaves.
    if (!this.#closing && member.announced && this.members.size + 1 <= this.announceLimit) this.#broadcast({ type: 'leave', nick: member.nick, reason, ts: Date.now() })
  }

  /**
   * Disconnects a member by policy. `graceful` sends a final notice and lets
   * the transport flush; a slow consumer is torn down instead (it would never
   * drain, and waiting for it would hold its memory).
   */
  kick (member: Member, reason: string, graceful: boolean): void {
    if (!member.present) return
    this.#log.info({ id: member.id, nick: member.nick, reason }, 'member disconnected')
    if (graceful) member.transport.send({ type: 'system', text: `disconnected: ${reason}` })
    this.leave(member, reason)
    member.transport.close(reason, graceful)
  }

  /**
   * A line typed by a member (a TCP line, or the text of a WebSocket message):
   * a command when it starts with `/`, otherwise a message. Counts against the
   * member's rate limit.
   */
  input (member: Member, line: string): void {
    if (this.#admit(member)) this.#line(member, line)
  }

  /** A structured request (WebSocket JSON). Counts against the rate limit like a line. */
  request (member: Member, request: ChatRequest): void {
    if (!this.#admit(member)) return
    // Text typed into the page may be a command, exactly as over TCP.
    if (request.type === 'message') this.#line(member, request.text)
    else this.#handle(member, request)
  }

  /** Counts a request that could not even be parsed (bad JSON), then reports it. */
  reject (member: Member, code: ChatErrorCode, text: string): void {
    if (!this.#admit(member)) return
    this.#error(member, code, text)
  }

  /** Tells every member the server is stopping and closes them gracefully. No leave notices. */
  shutdown (text = 'the server is shutting down, bye'): void {
    if (this.#closing) return
    this.#closing = true
    const notice: ServerEvent = { type: 'system', text }
    const members = [...this.members.values()]
    this.members.clear()
    this.#nicks.clear()
    for (const member of members) {
      member.present = false
      member.transport.send(notice)
      member.transport.close(LeaveReasons.SHUTDOWN, true)
    }
  }

  #admit (member: Member): boolean {
    if (!member.present) return false
    const verdict = this.#limiter.take(member, Date.now())
    if (verdict === 'ok') return true
    if (verdict === 'warn') {
      const perSecond = Math.round(this.#limiter.perMs * 1000 * 100) / 100
      this.#error(member, ChatErrorCodes.RATE_LIMITED, `slow down: at most ${perSecond} lines per second; that line was dropped, and another one too soon disconnects you`)
    } else {
      this.kick(member, LeaveReasons.FLOODING, true)
    }
    return false
  }

  #line (member: Member, line: string): void {
    const clean = sanitizeText(line)
    if (clean.length === 0) return
    const parsed = parseLine(clean)
    if (parsed.ok) this.#handle(member, parsed.request)
    else this.#error(member, parsed.unknown ? ChatErrorCodes.UNKNOWN_COMMAND : ChatErrorCodes.BAD_COMMAND, parsed.text)
  }

  #handle (member: Member, request: ChatRequest): void {
    switch (request.type) {
      case 'message':
      case 'action': {
        const text = this.#cleanMessage(member, request.text)
        if (text === undefined) return
        const event: MessageEvent = { type: request.type, from: member.nick, text, ts: Date.now() }
        this.#history.push(event)
        this.#broadcast(event, member)
        return
      }
      case 'nick':
        this.#rename(member, request.nick)
        return
      case 'who': {
        const nicks: string[] = []
        for (const m of this.members.values()) nicks.push(m.nick)
        this.#deliver(member, { type: 'who', nicks })
        return
      }
      case 'msg': {
        const to = sanitizeText(request.to)
        const target = this.#nicks.find(to)
        if (target === undefined) {
          this.#error(member, ChatErrorCodes.NO_SUCH_NICK, `nobody called ${to} is here; /who lists who is`)
          return
        }
        const text = this.#cleanMessage(member, request.text)
        if (text === undefined) return
        const ts = Date.now()
        // Two objects, not one shared: the TCP rendering differs for sender and recipient.
        this.#deliver(target, { type: 'private', from: member.nick, to: target.nick, text, ts })
        if (target !== member && member.present) this.#deliver(member, { type: 'private', from: member.nick, to: target.nick, text, ts })
        return
      }
      case 'quit': {
        const text = request.text === undefined ? '' : sanitizeText(request.text).slice(0, 200)
        this.kick(member, text === '' ? 'quit' : `quit: ${text}`, true)
        return
      }
      case 'help':
        this.#deliver(member, { type: 'system', text: HELP_TEXT })
    }
  }

  #cleanMessage (member: Member, raw: string): string | undefined {
    const text = sanitizeText(raw)
    if (text.length === 0) return undefined
    if (text.length > this.maxMessageLength) {
      const length = codePointLength(text)
      if (length > this.maxMessageLength) {
        this.#error(member, ChatErrorCodes.MESSAGE_TOO_LONG, `message too long: ${length} characters, the limit is ${this.maxMessageLength}; it was not sent`)
        return undefined
      }
    }
    return text
  }

  #rename (member: Member, requested: string): void {
    const result = this.#nicks.rename(member, requested)
    if (!result.ok) this.#error(member, result.code, result.text)
    else if (result.from !== undefined) this.#broadcast({ type: 'nick', from: result.from, to: member.nick, ts: Date.now() })
  }

  #error (member: Member, code: ChatErrorCode, text: string): void {
    this.#deliver(member, { type: 'error', code, text })
  }

  /** Sends to one member; a full queue drops that member. False if the member is gone. */
  #deliver (member: Member, event: ServerEvent): boolean {
    if (!member.present) return false
    if (member.transport.send(event)) return true
    this.#dropSlow(member)
    return false
  }

  /** To every member but `except`; with `beforeExcept`, only to those who joined before it. */
  #broadcast (event: ServerEvent, except?: Member, beforeExcept = false): void {
    let slow: Member[] | undefined
    for (const member of this.members.values()) {
      if (member === except) {
        if (beforeExcept) break
        continue
      }
      if (!member.transport.send(event)) (slow ??= []).push(member)
    }
    // Dropped after the loop so the leave notices they cause don't interleave with this event.
    if (slow !== undefined) for (const member of slow) this.#dropSlow(member)
  }

  #dropSlow (member: Member): void {
    this.kick(member, 'too slow: outgoing queue full', false)
  }

  #remove (member: Member): boolean {
    if (!member.present) return false
    member.present = false
    this.members.delete(member.id)
    this.#nicks.remove(member)
    return true
  }
}
