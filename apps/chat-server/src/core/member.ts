import type { LeaveReason, ServerEvent } from './events.js'

/**
 * What a transport implements for each connection. Kept to two calls so a
 * transport stays a thin adapter: the room decides what to say and when to
 * hang up, the transport only knows how to put bytes on its wire.
 */
export interface MemberTransport {
  /** Transport name for logs and stats: `tcp`, `ws`. */
  readonly kind: string
  /**
   * Whether the member's own messages and actions come back to it. WebSocket:
   * yes, the page shows its lines only once the room has taken them (so a
   * rate-limited line never looks sent). TCP: no, netcat already shows what
   * its user typed.
   */
  readonly echo: boolean
  /**
   * Queues one event. Returns false, without queueing, when the connection's
   * outgoing queue is already past its limit: the room then drops the member.
   * Must never throw and never block.
   */
  send: (event: ServerEvent) => boolean
  /**
   * Ends the connection. `graceful` lets queued events (and the final notice)
   * reach the peer first; otherwise the connection is torn down at once (a
   * slow consumer would never drain anyway). Called at most once per member.
   */
  close: (reason: LeaveReason, graceful: boolean) => void
}

/**
 * One person in the room. Deliberately small: no timers and no buffers of its
 * own (the rate limiter is refilled lazily when the member speaks), because a
 * server holds thousands of these.
 */
export class Member {
  readonly id: string
  readonly transport: MemberTransport
  /** When it joined (epoch ms): the cluster lists members in join order by it. */
  readonly joinedAt: number
  nick: string
  /** nickKey(nick), kept to avoid re-normalising on every lookup. */
  key: string
  /** Token bucket state; see RateLimiter. */
  tokens: number
  refilledAt: number
  warned = false
  /** Set once the others have been told this member joined; a leave is announced only after that. */
  announced = false
  /** False once the member has left; every late call becomes a no-op. */
  present = true
  /**
   * Set while the member waits for its welcome (a cluster nick claim, a
   * recovery read): what the room sends it meanwhile is held here, bounded,
   * and sent after the welcome.
   */
  pending: ServerEvent[] | undefined
  /** announce() was called while `pending`: the join is announced after the welcome. */
  announceLater = false
  /**
   * Set while one of its commands waits for the cluster (nick, who, msg): its
   * next requests wait here, in order, so `/nick bob` then `hi` is said by bob.
   */
  queued: Array<() => void | Promise<void>> | undefined

  constructor (id: string, nick: string, key: string, transport: MemberTransport, tokens: number, now: number) {
    this.id = id
    this.nick = nick
    this.key = key
    this.transport = transport
    this.tokens = tokens
    this.refilledAt = now
    this.joinedAt = now
  }
}
