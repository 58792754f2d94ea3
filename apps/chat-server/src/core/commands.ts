import { ChatErrorCodes, SystemCodes, type ChatErrorCode, type ChatRequest, type LeaveReason, type PrivateEvent, type RoomEventDraft, type ServerEvent, type WhoEvent } from './events.js'
import { quitReason } from './leave-reasons.js'
import type { Member } from './member.js'
import type { NickStore, RenameResult } from './nick-registry.js'

/** What a command's handler may do in the room: the room implements this, privately. */
export interface CommandContext {
  readonly nicks: NickStore
  /** Members here, in join order. */
  readonly members: ReadonlyMap<string, Member>
  /** `/who` answers at most this many names at once. */
  readonly whoPageSize: number
  /** To this member only (a full queue drops it). */
  reply: (member: Member, event: ServerEvent) => void
  error: (member: Member, code: ChatErrorCode, text: string) => void
  /** False, after telling the member, when a message is longer than the room allows. */
  fitsLength: (member: Member, text: string) => boolean
  /** A room-wide event, through the bus; its author is told if the log did not take it. */
  publish: (author: Member, event: RoomEventDraft) => void
  /** A private message to a member of another instance (its id), through the bus; the sender is told if it failed. */
  whisperRemote: (author: Member, event: PrivateEvent, toId: string) => Promise<void>
  kick: (member: Member, reason: LeaveReason, graceful: boolean) => void
}

type RequestType = ChatRequest['type']
type RequestOf<T extends RequestType> = Extract<ChatRequest, { type: T }>

/** One row of the command table. Text reaches it already cleaned (sanitizeText), where it entered the room. */
export interface CommandSpec<T extends RequestType> {
  /** The word after `/` (any case); absent for a plain message, which is any line not starting with `/`. */
  readonly word?: string
  /** How /help and usage errors spell it: `/msg NAME TEXT`. */
  readonly usage?: string
  /** Its line in /help. */
  readonly help?: string
  /** The request from the text after the word; undefined when that text does not fit `usage`. Absent with `word`. */
  readonly fromText?: (rest: string) => RequestOf<T> | undefined
  /**
   * The request from a JSON frame's own string fields (`field(name)`) and
   * whole-number fields (`int(name)`: NaN when present but not a safe
   * integer), or the error text for the sender.
   */
  readonly fromJson: (field: (name: string) => string | undefined, int: (name: string) => number | undefined) => RequestOf<T> | string
  /** A promise when the command waits for the cluster (nick, who, msg): the member's next line waits for it. */
  readonly run: (ctx: CommandContext, member: Member, request: RequestOf<T>) => void | Promise<void>
}

/** `[word, rest]`: the first word of `text` and what follows it, spaces between dropped. */
function split (text: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)
  return m === null ? ['', ''] : [m[1] as string, m[2] as string]
}

function say (ctx: CommandContext, member: Member, type: 'message' | 'action', text: string): void {
  if (text === '' || !ctx.fitsLength(member, text)) return
  ctx.publish(member, { type, from: member.nick, fromId: member.id, text, ts: Date.now() })
}

function whisper (ctx: CommandContext, member: Member, to: string, text: string): void | Promise<void> {
  const target = ctx.nicks.find(to)
  if (target === undefined) {
    if (ctx.nicks.lookup !== undefined) return whisperElsewhere(ctx, member, to, text)
    return ctx.error(member, ChatErrorCodes.NO_SUCH_NICK, `nobody called ${to} is here; /who lists who is`)
  }
  if (text === '' || !ctx.fitsLength(member, text)) return
  const ts = Date.now()
  // Two objects, not one shared: the TCP rendering differs for sender and recipient.
  ctx.reply(target, { type: 'private', from: member.nick, to: target.nick, text, ts })
  if (target !== member && member.present) ctx.reply(member, { type: 'private', from: member.nick, to: target.nick, text, ts })
}

/** `/msg` to someone not on this instance: found in the cluster's claims, delivered through the log. */
async function whisperElsewhere (ctx: CommandContext, member: Member, to: string, text: string): Promise<void> {
  let remote: { id: string, nick: string } | undefined
  try {
    remote = await ctx.nicks.lookup?.(to)
  } catch {
    return ctx.error(member, ChatErrorCodes.NOT_DELIVERED, `not delivered, Redis unavailable: your private message to ${to} reached nobody; try again`)
  }
  if (remote === undefined) return ctx.error(member, ChatErrorCodes.NO_SUCH_NICK, `nobody called ${to} is here; /who lists who is`)
  if (text === '' || !ctx.fitsLength(member, text)) return
  await ctx.whisperRemote(member, { type: 'private', from: member.nick, to: remote.nick, text, ts: Date.now() }, remote.id)
}

function rename (ctx: CommandContext, member: Member, nick: string): void | Promise<void> {
  const result = ctx.nicks.rename(member, nick)
  if (!(result instanceof Promise)) return renamed(ctx, member, result)
  return result.then((r) => { renamed(ctx, member, r) }, () => {
    ctx.error(member, ChatErrorCodes.NOT_DELIVERED, 'nickname not changed: the server could not reach the nickname store; try again')
  })
}

function renamed (ctx: CommandContext, member: Member, result: RenameResult): void {
  if (!result.ok) ctx.error(member, result.code, result.text)
  else if (result.from !== undefined && member.present) ctx.publish(member, { type: 'nick', from: result.from, to: member.nick, fromId: member.id, ts: Date.now() })
}

function * nicksOf (members: Iterable<Member>): Iterable<string> {
  for (const m of members) yield m.nick
}

/**
 * Page `page` (from 1) of `names`, which are `total`: the whole list while it
 * fits one page, as always; else that page and the paging fields. Reads no
 * further than the page, so a page of a big room costs its offset, not the room.
 */
export function whoPage (names: Iterable<string>, total: number, page: number, size: number): WhoEvent {
  if (total <= size && page === 1) return { type: 'who', nicks: [...names] }
  const start = (page - 1) * size
  const nicks: string[] = []
  let i = 0
  for (const nick of names) {
    if (i >= start + size) break
    if (i++ >= start) nicks.push(nick)
  }
  return { type: 'who', nicks, total, page, pages: Math.max(1, Math.ceil(total / size)) }
}

function who (ctx: CommandContext, member: Member, page: number): void | Promise<void> {
  const here = (): void => { ctx.reply(member, whoPage(nicksOf(ctx.members.values()), ctx.members.size, page, ctx.whoPageSize)) }
  if (ctx.nicks.who === undefined) return here()
  // The cluster's list is read whole (one HGETALL); only the page goes to the member.
  return ctx.nicks.who().then((nicks) => { ctx.reply(member, whoPage(nicks, nicks.length, page, ctx.whoPageSize)) }, () => {
    ctx.reply(member, { type: 'system', code: SystemCodes.REDIS_DOWN, text: 'Redis unavailable: only the members of this server are listed' })
    here()
  })
}

/**
 * Chat's whole command grammar: text command ↔ JSON request type ↔ handler ↔
 * help line. Adding a command is one row here (and its request in events.ts).
 * Keyed by request type, in /help order.
 */
export const COMMANDS: { readonly [T in RequestType]: CommandSpec<T> } = {
  message: {
    fromJson: (field) => { const text = field('text'); return text === undefined ? 'a message needs a string "text"' : { type: 'message', text } },
    run: (ctx, member, r) => { say(ctx, member, 'message', r.text) }
  },
  nick: {
    word: 'nick',
    usage: '/nick NAME',
    help: 'change your nickname (1-24 visible characters, no spaces)',
    fromText: (nick) => nick === '' ? undefined : { type: 'nick', nick },
    fromJson: (field) => { const nick = field('nick'); return nick === undefined ? 'a nick request needs a string "nick"' : { type: 'nick', nick } },
    run: (ctx, member, r) => rename(ctx, member, r.nick)
  },
  who: {
    word: 'who',
    usage: '/who [PAGE]',
    help: 'list who is here; a big room a page at a time',
    fromText: (rest) => rest === '' ? { type: 'who' } : /^[1-9]\d{0,8}$/.test(rest) ? { type: 'who', page: Number(rest) } : undefined,
    fromJson: (_field, int) => {
      const page = int('page')
      if (page === undefined) return { type: 'who' }
      return Number.isInteger(page) && page >= 1 ? { type: 'who', page } : 'a who request\'s "page" must be a whole number from 1'
    },
    run: (ctx, member, r) => who(ctx, member, r.page ?? 1)
  },
  action: {
    word: 'me',
    usage: '/me ACTION',
    help: 'say an action: "/me waves" shows "* you waves"',
    fromText: (text) => text === '' ? undefined : { type: 'action', text },
    fromJson: (field) => { const text = field('text'); return text === undefined ? 'an action needs a string "text"' : { type: 'action', text } },
    run: (ctx, member, r) => { say(ctx, member, 'action', r.text) }
  },
  msg: {
    word: 'msg',
    usage: '/msg NAME TEXT',
    help: 'private message to one person',
    fromText: (rest) => { const [to, text] = split(rest); return to === '' || text === '' ? undefined : { type: 'msg', to, text } },
    fromJson: (field) => {
      const to = field('to')
      const text = field('text')
      return to === undefined || text === undefined ? 'a msg needs string "to" and "text"' : { type: 'msg', to, text }
    },
    run: (ctx, member, r) => whisper(ctx, member, r.to, r.text)
  },
  quit: {
    word: 'quit',
    usage: '/quit [MESSAGE]',
    help: 'leave',
    fromText: (text) => text === '' ? { type: 'quit' } : { type: 'quit', text },
    fromJson: (field) => { const text = field('text'); return text === undefined ? { type: 'quit' } : { type: 'quit', text } },
    run: (ctx, member, r) => { ctx.kick(member, quitReason((r.text ?? '').slice(0, 200)), true) }
  },
  help: {
    word: 'help',
    usage: '/help',
    help: 'this text',
    fromText: () => ({ type: 'help' }),
    fromJson: () => ({ type: 'help' }),
    run: (ctx, member) => { ctx.reply(member, { type: 'system', text: HELP_TEXT }) }
  }
}

const SPECS = Object.values(COMMANDS) as Array<CommandSpec<RequestType>>
const BY_WORD = new Map(SPECS.filter((c) => c.word !== undefined).map((c) => [c.word as string, c]))
const BY_TYPE = new Map(Object.entries(COMMANDS) as Array<[string, CommandSpec<RequestType>]>)

/** The request types a JSON frame may name, in table order. */
export const REQUEST_TYPES: readonly string[] = [...BY_TYPE.keys()]

/** `/help` text, one command per line, generated from the table. */
export const HELP_TEXT = [
  'Commands:',
  ...SPECS.filter((c) => c.usage !== undefined).map((c) => `  ${(c.usage as string).padEnd(18)}${c.help ?? ''}`),
  'Anything else you type is sent to everyone. Start a message with "//" to send a line beginning with "/".'
].join('\n')

/** The table's row for a JSON request type, if there is one (a Map: `__proto__` is just an unknown name). */
export function commandForType (type: string): CommandSpec<RequestType> | undefined {
  return BY_TYPE.get(type)
}

/** Runs a request's handler. */
export function runRequest (ctx: CommandContext, member: Member, request: ChatRequest): void | Promise<void> {
  return (COMMANDS[request.type].run as (ctx: CommandContext, member: Member, request: ChatRequest) => void | Promise<void>)(ctx, member, request)
}

/** A parsed line: a request, or an error for the sender. */
export type ParsedLine = { ok: true, request: ChatRequest } | { ok: false, code: ChatErrorCode, text: string }

/**
 * Turns one text line (already cleaned) into a request. Lines that do not
 * start with `/` are messages; `//text` sends `/text` literally.
 */
export function parseLine (line: string): ParsedLine {
  if (line.charCodeAt(0) !== 0x2f /* / */) return { ok: true, request: { type: 'message', text: line } }
  if (line.startsWith('//')) return { ok: true, request: { type: 'message', text: line.slice(1) } }
  const [word, rest] = split(line.slice(1))
  const spec = BY_WORD.get(word.toLowerCase())
  if (spec?.fromText === undefined) return { ok: false, code: ChatErrorCodes.UNKNOWN_COMMAND, text: `unknown command /${word}; type /help for the list` }
  const request = spec.fromText(rest)
  if (request === undefined) return { ok: false, code: ChatErrorCodes.BAD_COMMAND, text: `usage: ${spec.usage as string}` }
  return { ok: true, request }
}
