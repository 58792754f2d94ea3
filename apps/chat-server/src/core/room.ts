import { nanoid } from 'nanoid'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import { arrive, historyIntro, welcome, type ArrivalPort, type JoinOptions, type JoinPoint } from './arrival.js'
export type { JoinOptions } from './arrival.js'
import { parseLine, runRequest, type CommandContext } from './commands.js'
import { ChatErrorCodes, type ChatErrorCode, type ChatRequest, type LeaveReason, type MessageEvent, type RoomEvent, type RoomEventDraft, type ServerEvent } from './events.js'
import { fanOutTo, roomNotices, sendToAll } from './bus-notices.js'
import { publishEvent, publishPrivate } from './publisher.js'
import { LeaveReasons } from './leave-reasons.js'
import { drainInOrder, runInOrder, type MemberTask } from './member-queue.js'
import { Member, type MemberTransport } from './member.js'
import { NickRegistry, type NickStore } from './nick-registry.js'
import { RateLimiter } from './rate-limit.js'
import { PresenceDigest } from './presence-digest.js'
import { LocalBus, type RoomBus } from './room-bus.js'
import { resolveRoomOptions, type ChatRoomOptions } from './room-options.js'
import { cleanRequest, codePointLength, sanitizeText } from './sanitize.js'

export { DEFAULT_ANNOUNCE_LIMIT, DEFAULT_HISTORY_SIZE, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_PRESENCE_DIGEST_ABOVE, DEFAULT_PRESENCE_DIGEST_MS, DEFAULT_RATE_LIMIT, DEFAULT_WHO_PAGE_SIZE, type ChatRoomOptions } from './room-options.js'
export { LeaveReasons } from './leave-reasons.js'

/** Events held for a member before its welcome / its requests waiting for the cluster: past these it is dropped / refused. */
const MAX_PENDING = 10_000
const MAX_QUEUED = 256

/**
 * The chat room: members, nicknames, commands and fan-out. It knows nothing
 * about sockets; each member carries a MemberTransport and the room only
 * calls its `send` and `close`.
 *
 * Room-wide events (message, action, join, leave, nick) go through the
 * RoomBus and reach members only as the bus delivers them, the author's own
 * included: the same path whether the log is in-process or shared by several
 * instances. Replies to one member (welcome, who, errors, private) go straight
 * to it.
 *
 * Fan-out never waits: `send` either queues or reports the member's queue as
 * full, in which case that member is dropped and everyone else carries on.
 * Every delivered event is one object handed to every member, so a transport
 * can encode it once (see EncodeCache) instead of once per member.
 */
export class ChatRoom {
  /** Members by id, in join order. Read-only for callers: use join/leave. */
  readonly members = new Map<string, Member>()
  readonly maxMessageLength: number
  /** `/who` (and IRC NAMES, WHO) answers at most this many names at once. */
  readonly whoPageSize: number
  readonly #nicks: NickStore
  readonly #bus: RoomBus
  readonly #unsubscribe: () => void
  readonly #limiter: RateLimiter
  readonly #log: AppLogger
  readonly #commands: CommandContext
  readonly #arrivals: ArrivalPort
  readonly #presence: PresenceDigest
  #closing = false

  constructor (options: ChatRoomOptions = {}) {
    const resolved = resolveRoomOptions(options)
    this.maxMessageLength = resolved.maxMessageLength
    this.whoPageSize = resolved.whoPageSize
    this.#limiter = new RateLimiter(resolved.rateLimit)
    this.#log = options.logger ?? silentAppLogger
    this.#nicks = options.nicks ?? new NickRegistry()
    this.#bus = options.bus ?? new LocalBus({ historySize: resolved.historySize })
    const count = this.#nicks.count?.bind(this.#nicks)
    // A digest is one object for every member (encoded once per transport); the slow ones are dropped after it.
    const deliver = (event: ServerEvent): void => { for (const m of sendToAll(this.members, event, (to, e) => this.#send(to, e)) ?? []) this.#dropSlow(m) }
    this.#presence = new PresenceDigest({ above: resolved.presenceDigestAbove, periodMs: resolved.presenceDigestMs, localSize: () => this.members.size, count, deliver, logger: this.#log })
    this.#unsubscribe = this.#bus.subscribe(this.#fanOut, roomNotices(this.members, (member, event) => this.#deliver(member, event)))
    this.#commands = {
      nicks: this.#nicks,
      members: this.members,
      whoPageSize: resolved.whoPageSize,
      reply: (member, event) => { this.#deliver(member, event) },
      error: (member, code, text) => { this.#error(member, code, text) },
      fitsLength: (member, text) => this.#fitsLength(member, text),
      publish: (author, event) => { this.#publish(event, author) },
      whisperRemote: async (author, event, toId) => {
        await publishPrivate(this.#bus, this.#log, event, { fromId: author.id, toId }, (text) => { this.#error(author, ChatErrorCodes.NOT_DELIVERED, text) })
      },
      kick: (member, reason, graceful) => { this.kick(member, reason, graceful) }
    }
    this.#arrivals = {
      bus: this.#bus,
      log: this.#log,
      online: () => this.members.size,
      deliver: (member, event) => this.#deliver(member, event),
      announce: (member) => { this.announce(member) },
      fold: (events) => this.#presence.fold(events),
      drain: (member, queue) => { drainInOrder(member, queue, this.#taskFailed) }
    }
  }

  get size (): number { return this.members.size }

  /** True once shutdown() has started. */
  get closing (): boolean { return this.#closing }
  /** Recent messages, oldest first, as the bus delivered them. */
  history (): MessageEvent[] { return this.#bus.history() }

  /** The member here with this nickname (any case, or a look-alike of it), if present. */
  findByNick (nick: string): Member | undefined { return this.#nicks.find(nick) }

  /**
   * Adds a connection to the room: welcome, history replay (or, with
   * `resume`, what it missed), join notice to the others. With `announce:
   * false` the notice waits for announce(), and a member who leaves before it
   * is never announced (the TCP transport turns IRC clients away so). When
   * the nick store or the recovery read must wait (cluster), the welcome
   * comes later; what the room sends meanwhile is held for the member.
   */
  join (transport: MemberTransport, { announce = true, resume }: JoinOptions = {}): Member {
    const { nick, key } = this.#nicks.freeGuest()
    const member = new Member(nanoid(), nick, key, transport, this.#limiter.burst, Date.now())
    if (this.#closing) {
      member.present = false
      transport.send({ type: 'system', text: 'the server is shutting down' })
      transport.close(LeaveReasons.SHUTDOWN, true)
      return member
    }
    this.members.set(member.id, member)
    const added = this.#nicks.add(member)
    this.#log.debug({ id: member.id, nick, transport: transport.kind }, 'member joined')
    // Read in the same turn as the member starts receiving: history and live events meet exactly here.
    const position = this.#bus.position?.() ?? { seq: 0, epoch: '' }
    const point: JoinPoint = { history: this.#bus.history(), ...position }
    if (!(added instanceof Promise) && resume === undefined) {
      if (welcome(this.#arrivals, member, historyIntro(point)) && announce) this.announce(member)
      return member
    }
    member.pending = []
    member.queued = []
    member.announceLater = announce
    void arrive(this.#arrivals, member, added, point, resume)
    return member
  }

  /**
   * Announces a member's join to those who were there before it; those who
   * came later already counted it in their welcome. Once per member.
   */
  announce (member: Member): void {
    if (member.pending !== undefined) {
      member.announceLater = true
      return
    }
    if (!member.present || member.announced) return
    member.announced = true
    // Published whatever the room's size: every instance digests what its bus delivers (see #fanOut).
    this.#publish({ type: 'join', nick: member.nick, fromId: member.id, ts: Date.now() })
  }

  /**
   * The connection is gone (closed by the peer or after close()). Removes the
   * member at once, so nothing is ever written to a dead connection, and tells
   * the others. Safe to call more than once.
   */
  leave (member: Member, reason: LeaveReason = LeaveReasons.CLOSED): void {
    if (!this.#remove(member)) return
    this.#log.debug({ id: member.id, nick: member.nick, reason: reason.text }, 'member left')
    if (this.#closing || !member.announced) return
    this.#publish({ type: 'leave', nick: member.nick, reason: reason.text, code: reason.code, fromId: member.id, ts: Date.now() })
  }

  /**
   * Disconnects a member by policy. `graceful` sends a final notice and lets
   * the transport flush; a slow consumer is torn down instead (it would never
   * drain, and waiting for it would hold its memory).
   */
  kick (member: Member, reason: LeaveReason, graceful: boolean): void {
    if (!member.present) return
    this.#log.info({ id: member.id, nick: member.nick, reason: reason.text, code: reason.code }, 'member disconnected')
    if (graceful) member.transport.send({ type: 'system', text: `disconnected: ${reason.text}` })
    this.leave(member, reason)
    member.transport.close(reason, graceful)
  }

  /**
   * A line typed by a member (a TCP line, or the text of a WebSocket message):
   * a command when it starts with `/`, otherwise a message. Counts against the
   * member's rate limit. This is where the text is cleaned, once.
   */
  input (member: Member, line: string): void {
    if (this.#admit(member)) this.#line(member, sanitizeText(line))
  }

  /** A structured request (WebSocket JSON). Counts against the rate limit like a line; its text is cleaned here, once. */
  request (member: Member, request: ChatRequest): void {
    if (!this.#admit(member)) return
    const clean = cleanRequest(request)
    // Text typed into the page may be a command, exactly as over TCP.
    if (clean.type === 'message') this.#line(member, clean.text)
    else this.#run(member, () => runRequest(this.#commands, member, clean))
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
    this.#unsubscribe()
    this.#presence.close()
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
    const parsed = parseLine(line)
    if (parsed.ok) this.#run(member, () => runRequest(this.#commands, member, parsed.request))
    else this.#run(member, () => { this.#error(member, parsed.code, parsed.text) })
  }

  #run (member: Member, task: MemberTask): void {
    if (runInOrder(member, task, MAX_QUEUED, this.#taskFailed)) return
    this.#error(member, ChatErrorCodes.RATE_LIMITED, `slow down: ${MAX_QUEUED} of your requests are waiting for the cluster; that line was dropped`)
  }

  readonly #taskFailed = (err: unknown): void => {
    this.#log.error({ err }, 'a command failed while waiting for the cluster')
  }

  #fitsLength (member: Member, text: string): boolean {
    // UTF-16 length is an upper bound of the code point count: most messages need no count.
    if (text.length <= this.maxMessageLength) return true
    const length = codePointLength(text)
    if (length <= this.maxMessageLength) return true
    this.#error(member, ChatErrorCodes.MESSAGE_TOO_LONG, `message too long: ${length} characters, the limit is ${this.maxMessageLength}; it was not sent`)
    return false
  }

  #publish (event: RoomEventDraft, author?: Member): void {
    publishEvent(this.#bus, this.#log, event, (text) => { if (author?.present === true) this.#error(author, ChatErrorCodes.NOT_DELIVERED, text) })
  }

  /** A delivered room-wide event, to every member here (see fanOutTo), unless it went into a presence digest; the slow ones are dropped after it. */
  readonly #fanOut = (event: RoomEvent): void => {
    if ((event.type === 'join' || event.type === 'leave') && this.#presence.take(event)) return
    for (const member of fanOutTo(this.members, event, (m, e) => this.#send(m, e)) ?? []) this.#dropSlow(member)
  }


  #error (member: Member, code: ChatErrorCode, text: string): void {
    this.#deliver(member, { type: 'error', code, text })
  }

  /** Sends to one member; a full queue drops that member. False if the member is gone. */
  #deliver (member: Member, event: ServerEvent): boolean {
    if (!member.present) return false
    if (this.#send(member, event)) return true
    this.#dropSlow(member)
    return false
  }

  /** To the transport, or held while the member waits for its welcome. False when either is full. */
  #send (member: Member, event: ServerEvent): boolean {
    const pending = member.pending
    if (pending === undefined) return member.transport.send(event)
    if (pending.length >= MAX_PENDING) return false
    pending.push(event)
    return true
  }

  #dropSlow (member: Member): void {
    this.kick(member, LeaveReasons.TOO_SLOW, false)
  }

  #remove (member: Member): boolean {
    if (!member.present) return false
    member.present = false
    this.members.delete(member.id)
    this.#nicks.remove(member)
    return true
  }
}
