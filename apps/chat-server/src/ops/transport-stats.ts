import { TransportStats, type SocketCounters } from '@eventwire/kit/metrics'
import { ChatErrorCodes, type LeaveCode, type LeaveReason, type ServerEvent } from '../core/events.js'

/**
 * Why the server closed a connection itself: the `reason` label of
 * eventwire_connections_dropped_total. The first three are the names every
 * app uses (door-server's too), so one alert rule covers them all.
 */
export const ChatDropReasons = {
  NOT_READING: 'not_reading',
  RATE_LIMIT: 'rate_limit',
  BAD_INPUT: 'bad_input',
  HEARTBEAT: 'heartbeat_timeout',
  /** An IRC client on the plain-text port, turned away. */
  IRC_CLIENT: 'irc_client',
  /** CHAT_TOKEN is set and the connection did not give it (TCP /auth, IRC PASS), or not in time. */
  UNAUTHORIZED: 'unauthorized',
  INTERNAL_ERROR: 'internal_error',
  /** The operator or embedding code (`room.kick`). */
  KICKED: 'kicked'
} as const

/** Why a peer did not get a message: the `reason` label of eventwire_messages_dropped_total. */
export const ChatMessageDropReasons = {
  /** Its queue was full; the room drops the member next. */
  NOT_READING: 'not_reading',
  /** A line of the member's refused by its rate limit (or its queue of requests waiting for the cluster). */
  RATE_LIMIT: 'rate_limit',
  /** A line of the member's the room's log refused (a cluster whose Redis is down): nobody got it. */
  NOT_DELIVERED: 'not_delivered'
} as const

/**
 * Each way of leaving as a drop reason, chosen by code (never by the text):
 * undefined for what the peer did itself (quit, hung up) and for a shutdown,
 * which closes everyone and is no drop. A Record, so a new leave code cannot
 * be added without deciding here what it counts as.
 */
const DROP_BY_CODE: Readonly<Record<LeaveCode, string | undefined>> = {
  QUIT: undefined,
  CLOSED: undefined,
  SHUTDOWN: undefined,
  TOO_SLOW: ChatDropReasons.NOT_READING,
  FLOODING: ChatDropReasons.RATE_LIMIT,
  LINE_TOO_LONG: ChatDropReasons.BAD_INPUT,
  NO_ANSWER: ChatDropReasons.HEARTBEAT,
  IRC_CLIENT: ChatDropReasons.IRC_CLIENT,
  INTERNAL_ERROR: ChatDropReasons.INTERNAL_ERROR,
  KICKED: ChatDropReasons.KICKED
}

/** The drop reason of a close with `reason`; undefined when it is no drop (see DROP_BY_CODE). */
export function dropReasonOf (reason: LeaveReason): string | undefined {
  return DROP_BY_CODE[reason.code]
}

/** A connection's socket as the scrape reads it: its own byte counters and its queue. */
export interface MeteredSocket extends SocketCounters {
  readonly writableLength: number
}

/**
 * One chat transport's counters (TransportStats) and its live sockets, with
 * the calls its connections make: opened() and closed() once per connection,
 * sent() per event written, queueFull() when an event found the queue full.
 * Per message that is a field increment; nothing is allocated.
 */
export class ChatTransportStats extends TransportStats {
  readonly #sockets = new Set<MeteredSocket>()

  constructor (refused: readonly string[] = []) {
    super({ refused, dropped: Object.values(ChatDropReasons), messagesDropped: Object.values(ChatMessageDropReasons) })
  }

  /** A connection accepted: counted, and its socket read at every scrape until closed(). */
  opened (socket: MeteredSocket): void {
    this.accepted++
    this.#sockets.add(socket)
  }

  /** The open connections' sockets, for their byte counters. */
  sockets (): Iterable<SocketCounters> {
    return this.#sockets
  }

  /** Every open connection's unsent bytes now. */
  * queuedBytes (): Iterable<number> {
    for (const socket of this.#sockets) yield socket.writableLength
  }

  /**
   * An event handed to the peer's socket. The room answers a line it drops
   * with an error event to its author, so the error's code is where the
   * dropped lines are counted, without a counter in the room.
   */
  sent (event: ServerEvent): void {
    this.messagesDelivered++
    if (event.type !== 'error') return
    if (event.code === ChatErrorCodes.RATE_LIMITED) this.dropMessages(ChatMessageDropReasons.RATE_LIMIT)
    else if (event.code === ChatErrorCodes.NOT_DELIVERED) this.dropMessages(ChatMessageDropReasons.NOT_DELIVERED)
  }

  /** The peer's queue was past its limit: this event was not written. False: what MemberTransport.send answers then. */
  queueFull (): false {
    this.dropMessages(ChatMessageDropReasons.NOT_READING)
    return false
  }

  /**
   * From the socket's 'close': its bytes move into the totals, and `drop`
   * (why the server closed it, if it did) is counted, once per socket.
   */
  closed (socket: MeteredSocket, drop: string | undefined): void {
    // Out of the live set and into the totals in one call: no scrape can count its bytes twice.
    if (!this.#sockets.delete(socket)) return
    this.socketClosed(socket)
    if (drop === undefined) return
    this.drop(drop)
    // Flooding is the line after the warning: it too was dropped.
    if (drop === ChatDropReasons.RATE_LIMIT) this.dropMessages(ChatMessageDropReasons.RATE_LIMIT)
  }
}
