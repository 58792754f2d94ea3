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
   * Past this many members, joins and leaves are no longer announced one by
   * one but summed up in a PresenceEvent at most once per presenceDigestMs:
   * filling a room of N members with announced joins costs N²/2 deliveries
   * (50 million lines for 10,000 members), the reason large IRC channels
   * (Twitch past 1,000 chatters, InspIRCd's auditorium mode) go quiet about
   * presence. Default 200; 0: never, every join and leave one by one. A
   * member's own welcome and nick changes are unaffected.
   */
  presenceDigestAbove?: number
  /** @deprecated The old name of presenceDigestAbove (which wins when both are given); past it, joins and leaves now come as digests instead of not at all. */
  announceLimit?: number
  /** The digest's period, ms: at most one digest per period. Default 1000. */
  presenceDigestMs?: number
  /** `/who` (and IRC NAMES/WHO) lists at most this many nicknames at once; a larger room is paged. Default 200. */
  whoPageSize?: number
  /** The room's ordered log of room-wide events. Default: an in-process LocalBus. */
  bus?: RoomBus
  /** Who holds which nickname. Default: an in-process NickRegistry. */
  nicks?: NickStore
  logger?: AppLogger
}

export const DEFAULT_HISTORY_SIZE = 20
export const DEFAULT_MAX_MESSAGE_LENGTH = 2000
/**
 * Where one line per join stops being news: at 200 members a join costs 200
 * lines, and a room filling up sends ~20,000 of them; past that, a digest.
 */
export const DEFAULT_PRESENCE_DIGEST_ABOVE = 200
/** @deprecated DEFAULT_PRESENCE_DIGEST_ABOVE, under the setting's old name. */
export const DEFAULT_ANNOUNCE_LIMIT = DEFAULT_PRESENCE_DIGEST_ABOVE
/** One digest a second: presence stays current to a reader, and costs one line a second. */
export const DEFAULT_PRESENCE_DIGEST_MS = 1000
/** A page of `/who` fits a screen of text and about a dozen IRC 353 lines. */
export const DEFAULT_WHO_PAGE_SIZE = 200
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 10, perSecond: 5 }

/** The room's numeric options with defaults applied; throws ERR_INVALID_OPTION for a bad one. */
export function resolveRoomOptions (options: ChatRoomOptions): ResolvedRoomOptions {
  const resolved = {
    historySize: options.historySize ?? DEFAULT_HISTORY_SIZE,
    maxMessageLength: options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
    presenceDigestAbove: options.presenceDigestAbove ?? options.announceLimit ?? DEFAULT_PRESENCE_DIGEST_ABOVE,
    presenceDigestMs: options.presenceDigestMs ?? DEFAULT_PRESENCE_DIGEST_MS,
    whoPageSize: options.whoPageSize ?? DEFAULT_WHO_PAGE_SIZE,
    rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT
  }
  assertNumberOption('historySize', resolved.historySize, 0, { integer: true })
  assertNumberOption('maxMessageLength', resolved.maxMessageLength, 1, { integer: true })
  // Named as given, so an error about the old name says the old name.
  assertNumberOption(options.presenceDigestAbove === undefined && options.announceLimit !== undefined ? 'announceLimit' : 'presenceDigestAbove', resolved.presenceDigestAbove, 0, { integer: true })
  assertNumberOption('presenceDigestMs', resolved.presenceDigestMs, 1, { max: 3_600_000 })
  assertNumberOption('whoPageSize', resolved.whoPageSize, 1, { integer: true })
  return resolved
}

export interface ResolvedRoomOptions {
  historySize: number
  maxMessageLength: number
  presenceDigestAbove: number
  presenceDigestMs: number
  whoPageSize: number
  rateLimit: RateLimitOptions
}
