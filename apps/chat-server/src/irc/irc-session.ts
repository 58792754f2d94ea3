import type { ConnectionSet } from '@eventwire/kit'
import type { AppLogger } from '@eventwire/protocol'
import type { ChatRequest } from '../core/events.js'
import type { Member } from '../core/member.js'
import type { ChatRoom } from '../core/room.js'
import type { EncodeCache } from '../encode-cache.js'
import type { ChatTransportStats } from '../ops/transport-stats.js'
import type { IrcConnection } from './irc-connection.js'
import type { IrcNames } from './irc-events.js'

/** What every IRC connection shares: the room, the names it is shown under, the limits. */
export interface IrcContext extends IrcNames {
  readonly room: ChatRoom
  readonly logger: AppLogger
  /** The channel topic (332), if one is set. */
  readonly topic: string | undefined
  /** MOTD lines; none: 422. */
  readonly motd: readonly string[]
  /** 003's date, the transport's start. */
  readonly createdAt: Date
  /** Bytes queued for one connection past which it counts as too slow. */
  readonly maxQueueBytes: number
}

/** What every connection of one IRC transport shares, beyond what its commands see. */
export interface IrcShared extends IrcContext {
  readonly maxLineBytes: number
  readonly closeGraceMs: number
  /** A broadcast encoded once for every IRC reader, without and with server-time tags. */
  readonly plain: EncodeCache<Buffer>
  readonly timed: EncodeCache<Buffer>
  readonly connections: ConnectionSet<IrcConnection>
  /** The transport's counters, for the metrics. */
  readonly stats: ChatTransportStats
  /** CHAT_TOKEN's check; undefined: no PASS needed. */
  readonly checkToken: ((candidate: unknown) => boolean) | undefined
}

/** What a pending request to the room was, so the room's error can become the right numeric. */
export interface Pending {
  readonly command: string
  readonly target: string
}

/** The IRCv3 capabilities offered (`CAP LS`). */
export const CAPABILITIES = ['server-time', 'echo-message'] as const

/**
 * One IRC connection as its commands see it (IrcConnection implements it):
 * replies, the registration state, and the calls that reach the room.
 */
export interface IrcSession {
  readonly ctx: IrcContext
  /** `*` until a NICK is accepted. */
  readonly nick: string
  readonly registered: boolean
  /** The room membership; undefined before registration and after PART. */
  readonly member: Member | undefined
  readonly caps: ReadonlySet<string>
  /** A numeric to this client: `:server CODE nick params… :trailing`. */
  reply: (code: string, params: readonly string[], trailing?: string) => void
  /** Ready-made lines (each ending `\r\n`). */
  write: (text: string) => void
  /** A server NOTICE, one per line of `text`. */
  notice: (text: string) => void
  /** CAP LS / REQ hold registration until CAP END. */
  holdRegistration: (hold: boolean) => void
  enableCap: (cap: string, on: boolean) => void
  /** A nick already checked (checkNick, free), kept while not in the room: before registration, or after PART. */
  keepNick: (nick: string) => void
  /** USER: the user name, once. */
  setUser: (user: string) => void
  /** PASS before registration: judged at its end (464 unless it is CHAT_TOKEN). */
  password: string | undefined
  /** To the room as this member (counted by its rate limit), with what to report its errors as. */
  request: (request: ChatRequest, pending: Pending) => void
  joinChannel: () => void
  partChannel: (message: string) => void
  quit: (message: string) => void
}
