import type net from 'node:net'
import type { AddressInfo } from 'node:net'
import { ConnectionSet, createStreamServer, stopListening, type ServerTls } from '@eventwire/kit'
import { ErrorCodes, ProtocolError, type AppLogger } from '@eventwire/protocol'
import { listen } from '@eventwire/service'
import type { RoomEvent } from '../core/events.js'
import { LeaveReasons } from '../core/leave-reasons.js'
import type { ChatRoom } from '../core/room.js'
import { sanitizeText } from '../core/sanitize.js'
import { EncodeCache } from '../encode-cache.js'
import { ChatTransportStats } from '../ops/transport-stats.js'
import { IrcConnection } from './irc-connection.js'
import { IrcUsers, roomEventText } from './irc-events.js'
import { MAX_CHANNEL_LENGTH } from './irc-replies.js'
import type { IrcShared } from './irc-session.js'

export const DEFAULT_IRC_CHANNEL = '#eventwire'
/** The MOTD when none is given (`ircMotd`; an empty one answers 422). */
export const DEFAULT_IRC_MOTD = [
  'One room for everybody: IRC, netcat and browser users alike, all in this channel.',
  'Others show how they are connected: nick!irc@, nick!tcp@ (netcat/telnet), nick!web@ (browser).',
  'There is one channel only; /msg NICK reaches anyone, whatever their client.'
].join('\n')

export interface IrcTransportOptions {
  room: ChatRoom
  logger: AppLogger
  /** Bytes queued for one connection before it counts as too slow. */
  maxQueueBytes: number
  /** Longest input line in bytes; longer closes the connection. */
  maxLineBytes: number
  /** How long a graceful close may wait for the peer before the socket is destroyed. */
  closeGraceMs: number
  /** One timer PINGs every client this often; a client silent for a whole period is dropped. */
  pingIntervalMs: number
  /** The one channel, which is the room. */
  channel: string
  /** Its topic (332); undefined: none. */
  topic: string | undefined
  /** Message of the day, lines split on `\n`; empty: 422. */
  motd: string
  /** Speak TLS (IRC over TLS: irssi `-tls`, weechat `-tls`, `-ssl` before 4.0). Absent: plain TCP. */
  tls?: ServerTls
  /** CHAT_TOKEN's check: set, registration needs `PASS <token>` (464 otherwise). */
  checkToken?: (candidate: unknown) => boolean
}

/** What a plain-text IRC client on the TLS port reads before the close: IRC clients show ERROR as the reason. */
export function ircTlsRequiredLine (port: number | undefined): string {
  const where = port ?? 'PORT'
  // weechat took -ssl until 4.0 (Debian 12 ships 3.8), -tls since.
  return `ERROR :this IRC port speaks TLS; connect with TLS (irssi: /connect -tls host ${where}; weechat: /server add chat host/${where} -tls, or -ssl before 4.0)\r\n`
}

// RFC 2812 channel names: no space, comma, BEL or other control; `:` would read as a trailing parameter.
const CHANNEL = /^#[^\s,:\x00-\x1f\x7f]+$/

/** Throws ERR_INVALID_OPTION, naming the option, unless `channel` is a usable `#name`. */
export function assertChannelOption (channel: string): void {
  if (typeof channel === 'string' && CHANNEL.test(channel) && channel.length <= MAX_CHANNEL_LENGTH) return
  throw new ProtocolError(ErrorCodes.INVALID_OPTION, `option ircChannel must be # then 1-${MAX_CHANNEL_LENGTH - 1} characters without spaces, commas, colons or controls, got ${JSON.stringify(channel)}`, { option: 'ircChannel' })
}

/**
 * The IRC side: a net.Server whose registered clients become room members
 * (IrcConnection), one ping timer for all of them, connections in a kit
 * ConnectionSet for the graceful close.
 */
export class IrcTransport {
  readonly server: net.Server
  /** What the metrics read. */
  readonly stats = new ChatTransportStats()
  readonly #ctx: IrcShared
  #pinger: NodeJS.Timeout | undefined
  readonly #pingIntervalMs: number

  constructor (options: IrcTransportOptions) {
    assertChannelOption(options.channel)
    const topic = options.topic === undefined ? undefined : sanitizeText(options.topic)
    const ctx: IrcShared = {
      room: options.room,
      logger: options.logger,
      server: 'eventwire',
      channel: options.channel,
      topic: topic === '' ? undefined : topic,
      motd: options.motd.split('\n').map(sanitizeText).filter((l) => l !== ''),
      createdAt: new Date(),
      maxQueueBytes: options.maxQueueBytes,
      maxLineBytes: options.maxLineBytes,
      closeGraceMs: options.closeGraceMs,
      users: new IrcUsers(options.room),
      plain: new EncodeCache((event) => Buffer.from(roomEventText(ctx, event as RoomEvent, false))),
      timed: new EncodeCache((event) => Buffer.from(roomEventText(ctx, event as RoomEvent, true))),
      connections: new ConnectionSet({ closeGraceMs: options.closeGraceMs, end: (c) => { c.close(LeaveReasons.SHUTDOWN, true) }, destroy: (c) => { c.destroy() } }),
      stats: this.stats,
      checkToken: options.checkToken
    }
    this.#ctx = ctx
    this.#pingIntervalMs = options.pingIntervalMs
    // noDelay: chat is interactive, and each input chunk's replies already leave in one write.
    this.server = createStreamServer({
      noDelay: true,
      tls: options.tls,
      plainTextRefusal: ircTlsRequiredLine
    }, this.#onConnection)
    this.server.on('error', this.#onServerError)
  }

  get connections (): number {
    return this.#ctx.connections.size
  }

  async listen (port: number, host: string): Promise<AddressInfo> {
    const address = await listen(this.server, port, host)
    this.#pinger ??= setInterval(this.#tick, this.#pingIntervalMs)
    return address
  }

  /** Refuses new connections from now on; resolves once the listener is closed (open connections stay). */
  async stopAccepting (): Promise<void> {
    await stopListening(this.server)
  }

  /** After room.shutdown(): closes what is left (destroyed after closeGraceMs), stops the ping timer; resolves when none is left. */
  async stop (): Promise<void> {
    const serverClosed = this.stopAccepting()
    await this.#ctx.connections.close()
    await serverClosed
    clearInterval(this.#pinger)
    this.#pinger = undefined
    this.server.off('error', this.#onServerError)
  }

  /** Resolves when no connection is left; every caller gets the same promise. */
  async drained (): Promise<void> {
    await this.#ctx.connections.whenEmpty()
  }

  /** One timer for every client, as the WebSocket heartbeat: no timer per connection. */
  readonly #tick = (): void => {
    for (const connection of [...this.#ctx.connections]) {
      try {
        connection.tick()
      } catch (err) {
        // Thrown out of a timer it would stop the process: this one connection goes instead.
        this.#ctx.logger.error({ err }, 'irc ping tick threw; dropping that connection')
        connection.destroy()
      }
    }
  }

  readonly #onConnection = (socket: net.Socket): void => {
    void new IrcConnection(socket, this.#ctx)
  }

  readonly #onServerError = (err: Error): void => {
    this.#ctx.logger.warn({ err: err.message }, 'irc server error')
  }
}
