import type { AppLogger } from '@eventwire/protocol'
import type { RateLimitOptions } from './rate-limit.js'

export interface ChatRoomOptions {
  /** Messages replayed to a member who joins. Default 20; 0 disables. */
  historySize?: number
  /** Longest message in characters (code points) after cleaning. Default 2000. */
  maxMessageLength?: number
  /** Per-member token bucket over every incoming line or request. Default burst 10, 5 per second. */
  rateLimit?: RateLimitOptions
  /**
   * Joins and leaves are announced while the room has at most this many
   * members. Past it they are not: filling a room of N members with announced
   * joins costs N²/2 deliveries (50 million lines for 10,000 members), the
   * reason large IRC channels and chat apps go quiet about presence too.
   * `/who` still answers. Default Infinity: always announced.
   */
  announceLimit?: number
  logger?: AppLogger
}

export const DEFAULT_HISTORY_SIZE = 20
export const DEFAULT_MAX_MESSAGE_LENGTH = 2000
/** Joins and leaves are announced whatever the room's size, unless an operator sets a limit. */
export const DEFAULT_ANNOUNCE_LIMIT = Infinity
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 10, perSecond: 5 }

/** Reasons members leave with; shown to the others in the leave notice. */
export const LeaveReasons = {
  CLOSED: 'connection closed',
  FLOODING: 'flooding',
  SHUTDOWN: 'server shutting down',
  INTERNAL_ERROR: 'internal error'
} as const
