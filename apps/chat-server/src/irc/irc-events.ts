import type { MessageEvent, PresenceEvent, PrivateEvent, RoomEvent, ServerEvent } from '../core/events.js'
import type { Member } from '../core/member.js'
import type { ChatRoom } from '../core/room.js'
import { presenceText } from '../core/presence-digest.js'
import { fitText } from './irc-message.js'

/** The user part of `nick!user@host` for each transport kind: IRC users see how everyone is connected. */
const USER_PARTS: Readonly<Record<string, string>> = { tcp: 'tcp', ws: 'web', irc: 'irc' }
/** A member whose transport is not known here (it left long ago, or is on another instance). */
const UNKNOWN_USER = 'chat'
/** How many departed members' user parts are remembered beyond the present ones, for their leave notice and history lines. */
const REMEMBERED_GONE = 1024

/**
 * Who is `tcp`, `web` or `irc`. The room does not say (it must not care), and
 * a leave is delivered after the member is gone from room.members, so the
 * user part of every member shown to an IRC client (in an event, NAMES, WHO)
 * is remembered, in a map bounded by the room's size plus REMEMBERED_GONE
 * (the longest gone forgotten first).
 */
export class IrcUsers {
  readonly #room: ChatRoom
  readonly #known = new Map<string, string>()

  constructor (room: ChatRoom) {
    this.#room = room
  }

  /** The user part of a present member, remembered for when it has left. */
  of (member: Member): string {
    const user = USER_PARTS[member.transport.kind] ?? UNKNOWN_USER
    this.#known.delete(member.id)
    this.#known.set(member.id, user)
    if (this.#known.size > this.#room.size + REMEMBERED_GONE) this.#known.delete(this.#known.keys().next().value as string)
    return user
  }

  /** The user part of an event's author, present or gone. */
  byId (id: string): string {
    const member = this.#room.members.get(id)
    return member === undefined ? this.#known.get(id) ?? UNKNOWN_USER : this.of(member)
  }

  /** The user part of whoever holds this nickname now. */
  byNick (nick: string): string {
    const member = this.#room.findByNick(nick)
    return member === undefined ? UNKNOWN_USER : this.of(member)
  }
}

/** What rendering needs: the server name (every member's host) and the channel. */
export interface IrcNames {
  readonly server: string
  readonly channel: string
  readonly users: IrcUsers
}

/** `@time=…` (IRCv3 server-time) for a client that negotiated it. */
export function timeTag (ts: number): string {
  return `@time=${new Date(ts).toISOString()} `
}

function source (names: IrcNames, nick: string, user: string): string {
  return `${nick}!${user}@${names.server}`
}

/** A message or action as PRIVMSG lines to `target`, split to fit 512 bytes; actions as CTCP ACTION. */
export function privmsgLines (names: IrcNames, from: string, user: string, target: string, event: { type: string, text: string }): string[] {
  const head = `:${source(names, from, user)} PRIVMSG ${target} :`
  return event.type === 'action' ? fitText(head + '\x01ACTION ', event.text, '\x01') : fitText(head, event.text)
}

/**
 * A room-wide event as the lines every IRC member gets (the same bytes for
 * all, so the transport encodes it once): PRIVMSG to the channel, JOIN, QUIT
 * with the leave reason, NICK; a presence digest as a server NOTICE to the
 * channel (past the threshold the channel is an auditorium: no JOIN or QUIT
 * per member, see the README). `tagged`: with server-time tags.
 */
export function roomEventText (names: IrcNames, event: SharedEvent, tagged: boolean): string {
  if (event.type === 'presence') {
    const lines = fitText(`:${names.server} NOTICE ${names.channel} :`, presenceText(event))
    return tagged ? lines.map((l) => timeTag(event.ts) + l).join('') : lines.join('')
  }
  const user = names.users.byId(event.fromId)
  let lines: string[]
  switch (event.type) {
    case 'message':
    case 'action':
      lines = privmsgLines(names, event.from, user, names.channel, event)
      break
    case 'join':
      lines = [`:${source(names, event.nick, user)} JOIN ${names.channel}\r\n`]
      break
    case 'leave':
      lines = [`:${source(names, event.nick, user)} QUIT :${event.reason}\r\n`]
      break
    case 'nick':
      lines = [`:${source(names, event.from, user)} NICK :${event.to}\r\n`]
      break
  }
  return tagged ? lines.map((l) => timeTag(event.ts) + l).join('') : lines.join('')
}

/** The history replay: each message as a PRIVMSG from its author, with its time when the client takes tags. */
export function historyText (names: IrcNames, messages: readonly MessageEvent[], tagged: boolean): string {
  let out = ''
  for (const m of messages) {
    const lines = privmsgLines(names, m.from, names.users.byId(m.fromId), names.channel, m)
    for (const l of lines) out += tagged ? timeTag(m.ts) + l : l
  }
  return out
}

/** A `/msg` as a PRIVMSG from its sender to its recipient's nick. */
export function privateText (names: IrcNames, event: PrivateEvent, tagged: boolean): string {
  const lines = privmsgLines(names, event.from, names.users.byNick(event.from), event.to, { type: 'message', text: event.text })
  return tagged ? lines.map((l) => timeTag(event.ts) + l).join('') : lines.join('')
}

/** Events that are the same bytes for every IRC member: the room-wide ones, and presence digests. */
export type SharedEvent = RoomEvent | PresenceEvent

/** Events that are the same bytes for every IRC member. */
export function isRoomEvent (event: ServerEvent): event is SharedEvent {
  return event.type === 'message' || event.type === 'action' || event.type === 'join' || event.type === 'leave' || event.type === 'nick' || event.type === 'presence'
}
