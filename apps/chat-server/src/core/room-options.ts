import { assertNumberOption, type AppLogger } from '@eventwire/protocol'
import type { NickStore } from './nick-registry.js'
import type { RateLimitOptions } from './rate-limit.js'
import type { RoomBus } from './room-bus.js'

export interface ChatRoomOptions {
  /** Messages replayed to a member who joins. Default 20; 0 disables. Ignored with `bus` (the bus keeps the history). */
  historySize?: number
  /** Longest message in characters (code points) after cleaning. Default 2000. */
  maxMessageLength?: number
  /** Per-member token bucket over every incoming line or request. Default burst 10, 5 per second. */
  rateLimit?: RateLimitOptions
  /**
   * Joins and leaves are announced while the room has at most this many
   * members; 0 (the default) means no limit: always announced. Past the limit
   * they are not: filling a room of N members with announced joins costs
   * N²/2 deliveries (50 million lines for 10,000 members), the reason large
   * IRC channels and chat apps go quiet about presence too. `/who` still
   * answers, nick changes are still announced. (1 announces nothing: a
   * member alone has nobody to tell.)
   */
  announceLimit?: number
  /** The room's ordered log of room-wide events. Default: an in-process LocalBus. */
  bus?: RoomBus
  /** Who holds which nickname. Default: an in-process NickRegistry. */
  nicks?: NickStore
  logger?: AppLogger
}

export const DEFAULT_HISTORY_SIZE = 20
export const DEFAULT_MAX_MESSAGE_LENGTH = 2000
/** 0: joins and leaves are announced whatever the room's size, unless an operator sets a limit. */
export const DEFAULT_ANNOUNCE_LIMIT = 0
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 10, perSecond: 5 }

/** The room's numeric options with defaults applied; throws ERR_INVALID_OPTION for a bad one. */
export function resolveRoomOptions (options: ChatRoomOptions): { historySize: number, maxMessageLength: number, announceLimit: number, rateLimit: RateLimitOptions } {
  const resolved = {
    historySize: options.historySize ?? DEFAULT_HISTORY_SIZE,
    maxMessageLength: options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
    announceLimit: options.announceLimit ?? DEFAULT_ANNOUNCE_LIMIT,
    rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT
  }
  assertNumberOption('historySize', resolved.historySize, 0, { integer: true })
  assertNumberOption('maxMessageLength', resolved.maxMessageLength, 1, { integer: true })
  assertNumberOption('announceLimit', resolved.announceLimit, 0, { integer: true })
  return resolved
}
