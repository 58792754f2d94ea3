export {
  createChatServer,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_JOIN_SNIFF_MS,
  DEFAULT_AUTH_TIMEOUT_MS,
  type ChatServer,
  type ChatServerOptions,
  type ListenOptions
} from './server.js'
export { ChatRoom, LeaveReasons, DEFAULT_HISTORY_SIZE, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_RATE_LIMIT, DEFAULT_ANNOUNCE_LIMIT, DEFAULT_PRESENCE_DIGEST_ABOVE, DEFAULT_PRESENCE_DIGEST_MS, DEFAULT_WHO_PAGE_SIZE, type ChatRoomOptions } from './core/room.js'
export { PresenceDigest, PRESENCE_NAMES, presenceText, type PresenceDigestOptions } from './core/presence-digest.js'
export { quitReason, kickReason } from './core/leave-reasons.js'
export { LocalBus, BusUnavailableError, DEFAULT_RECOVERY_SIZE, type RoomBus, type BusNotices, type PrivateIds, type Recovery } from './core/room-bus.js'
export { parseResume, type ResumeFrom, type JoinOptions } from './core/arrival.js'
// Cluster mode (ioredis) is '@eventwire/chat-server/cluster': importing the factory loads no Redis client.
export type { ChatCluster, ChatClusterOptions } from './cluster/chat-cluster.js'
export { NickRegistry, type NickStore, type RenameResult } from './core/nick-registry.js'
export { COMMANDS, HELP_TEXT, parseLine, type CommandSpec, type CommandContext, type ParsedLine } from './core/commands.js'
export { Member, type MemberTransport } from './core/member.js'
export {
  ChatErrorCodes,
  LeaveCodes,
  SystemCodes,
  type SystemCode,
  type ChatErrorCode,
  type LeaveCode,
  type LeaveReason,
  type ChatRequest,
  type ServerEvent,
  type RoomEvent,
  type RoomEventDraft,
  type MessageEvent,
  type PrivateEvent,
  type WelcomeEvent,
  type HistoryEvent,
  type JoinEvent,
  type LeaveEvent,
  type NickEvent,
  type WhoEvent,
  type PresenceEvent,
  type ErrorEvent,
  type SystemEvent
} from './core/events.js'
export { RateLimiter, type RateLimitOptions } from './core/rate-limit.js'
export { sanitizeText } from './core/sanitize.js'
export { checkNick, nickKey, MAX_NICK_LENGTH } from './core/nick.js'
export { formatLine } from './tcp/format.js'
export { DEFAULT_IRC_CHANNEL, DEFAULT_IRC_MOTD, IrcTransport, type IrcTransportOptions } from './irc/irc-transport.js'
