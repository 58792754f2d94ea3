import { parseOriginList } from '@eventwire/kit'
import { DEFAULT_PREFIX } from '@eventwire/cluster'
import { ConfigError, hostOption, tlsOptions, type OptionSpec } from '@eventwire/service'
import { DEFAULT_LEASE_MS } from './cluster/chat-cluster.js'
import { DEFAULT_HISTORY_SIZE, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_PRESENCE_DIGEST_ABOVE, DEFAULT_PRESENCE_DIGEST_MS, DEFAULT_RATE_LIMIT, DEFAULT_WHO_PAGE_SIZE } from './core/room-options.js'
import { DEFAULT_IRC_CHANNEL } from './irc/irc-transport.js'
import { DEFAULT_AUTH_TIMEOUT_MS, DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUE_BYTES } from './server.js'

/**
 * Every setting of the chat-server: environment variable, matching --flag,
 * default. The defaults are the factory's own DEFAULT_* constants, so
 * `--help`, createChatServer() and the README cannot disagree.
 */
export const chatConfigSpecs = {
  host: hostOption,
  port: { env: 'CHAT_PORT', flag: 'port', type: 'port', default: 8001, help: 'TCP port for netcat/telnet users' },
  webPort: { env: 'CHAT_WEB_PORT', flag: 'web-port', type: 'port', default: 8081, help: 'HTTP port: page at /, WebSocket at /ws, /healthz' },
  ircPort: { env: 'CHAT_IRC_PORT', flag: 'irc-port', type: 'port', default: 6667, help: 'IRC port (irssi, weechat, HexChat): one channel, the room' },
  ircChannel: { env: 'CHAT_IRC_CHANNEL', flag: 'irc-channel', type: 'string', default: DEFAULT_IRC_CHANNEL, help: 'the IRC channel name that is the room' },
  ircTopic: { env: 'CHAT_IRC_TOPIC', flag: 'irc-topic', type: 'optional-string', help: 'the IRC channel topic' },
  historySize: { env: 'CHAT_HISTORY', flag: 'history', type: 'int', default: DEFAULT_HISTORY_SIZE, min: 0, max: 10_000, help: 'messages replayed to a member who joins' },
  maxMessageLength: { env: 'CHAT_MAX_MESSAGE', flag: 'max-message', type: 'int', default: DEFAULT_MAX_MESSAGE_LENGTH, min: 1, max: 1_000_000, help: 'longest message, in characters' },
  burst: { env: 'CHAT_RATE_BURST', flag: 'rate-burst', type: 'int', default: DEFAULT_RATE_LIMIT.burst, min: 1, help: 'lines a member may send at once' },
  perSecond: { env: 'CHAT_RATE_PER_SECOND', flag: 'rate-per-second', type: 'int', default: DEFAULT_RATE_LIMIT.perSecond, min: 1, help: 'sustained lines per second per member' },
  maxQueueBytes: { env: 'CHAT_MAX_QUEUE_BYTES', flag: 'max-queue-bytes', type: 'int', default: DEFAULT_MAX_QUEUE_BYTES, min: 1024, help: 'outgoing bytes queued per member before it is dropped as too slow' },
  maxLineBytes: { env: 'CHAT_MAX_LINE_BYTES', flag: 'max-line-bytes', type: 'int', default: DEFAULT_MAX_LINE_BYTES, min: 64, help: 'longest TCP line / WebSocket message, in bytes' },
  presenceDigestAbove: { env: 'CHAT_PRESENCE_DIGEST_ABOVE', flag: 'presence-digest-above', type: 'int', default: DEFAULT_PRESENCE_DIGEST_ABOVE, min: 0, help: 'past this many members, joins and leaves come as one digest line per period instead of a line each (0: never)' },
  announceLimit: { env: 'CHAT_ANNOUNCE_LIMIT', flag: 'announce-limit', type: 'optional-string', help: 'old name of CHAT_PRESENCE_DIGEST_ABOVE, read while that one is at its default' },
  presenceDigestMs: { env: 'CHAT_PRESENCE_DIGEST_MS', flag: 'presence-digest-ms', type: 'int', default: DEFAULT_PRESENCE_DIGEST_MS, min: 10, max: 3_600_000, help: 'the presence digest\'s period, ms: at most one digest per period' },
  whoPageSize: { env: 'CHAT_WHO_PAGE_SIZE', flag: 'who-page-size', type: 'int', default: DEFAULT_WHO_PAGE_SIZE, min: 1, max: 100_000, help: 'names per /who page; IRC NAMES and WHO list one page' },
  heartbeatIntervalMs: { env: 'CHAT_HEARTBEAT_MS', flag: 'heartbeat-ms', type: 'int', default: DEFAULT_HEARTBEAT_INTERVAL_MS, min: 100, help: 'WebSocket ping and IRC PING interval, ms' },
  redisUrl: { env: 'REDIS_URL', flag: 'redis-url', type: 'optional-string', help: 'cluster mode: redis://[user:password@]host:port[/db] shared by every instance (unset: one in-process room)' },
  redisPrefix: { env: 'REDIS_PREFIX', flag: 'redis-prefix', type: 'string', default: DEFAULT_PREFIX, help: 'cluster mode: prefix of every Redis key, so deployments can share one Redis' },
  leaseMs: { env: 'CHAT_LEASE_MS', flag: 'lease-ms', type: 'int', default: DEFAULT_LEASE_MS, min: 300, help: 'cluster mode: an instance silent this long is dead; the leaves of its members are announced by another' },
  allowedOrigins: { env: 'CHAT_ALLOWED_ORIGINS', flag: 'allowed-origins', type: 'optional-string', help: 'browser origins besides the page\'s own that may open /ws, comma-separated scheme://host[:port]' },
  token: { env: 'CHAT_TOKEN', flag: 'token', type: 'optional-string', help: 'access token every member must give: TCP first line /auth <token>, WebSocket Authorization: Bearer or /ws?token= (page: /?token=), IRC PASS. Prefer the variable: ps shows flags' },
  authTimeoutMs: { env: 'CHAT_AUTH_TIMEOUT_MS', flag: 'auth-timeout-ms', type: 'int', default: DEFAULT_AUTH_TIMEOUT_MS, min: 100, max: 600_000, help: 'with CHAT_TOKEN: ms a TCP connection has for its /auth line' },
  ...tlsOptions
} satisfies Record<string, OptionSpec>

/** CHAT_ALLOWED_ORIGINS as a list; a bad entry stops the start with a message naming the variable. */
export function allowedOriginsFrom (text: string | undefined): string[] {
  try {
    return parseOriginList(text)
  } catch (err) {
    throw new ConfigError(`CHAT_ALLOWED_ORIGINS: ${(err as Error).message}`)
  }
}

/**
 * The presence threshold from CHAT_PRESENCE_DIGEST_ABOVE, or from its old
 * name CHAT_ANNOUNCE_LIMIT while the new one is at its default (so existing
 * deployments keep their number, now meaning "digest above", not "silent
 * above"); the two set to different numbers stop the start.
 */
export function presenceDigestAboveFrom ({ presenceDigestAbove, announceLimit }: { presenceDigestAbove: number, announceLimit: string | undefined }): number {
  if (announceLimit === undefined) return presenceDigestAbove
  if (!/^\d+$/.test(announceLimit.trim())) throw new ConfigError(`CHAT_ANNOUNCE_LIMIT must be a whole number, got ${JSON.stringify(announceLimit)}`)
  const old = Number(announceLimit)
  if (presenceDigestAbove !== DEFAULT_PRESENCE_DIGEST_ABOVE && presenceDigestAbove !== old) {
    throw new ConfigError(`CHAT_ANNOUNCE_LIMIT (${old}) is the old name of CHAT_PRESENCE_DIGEST_ABOVE (${presenceDigestAbove}); set only CHAT_PRESENCE_DIGEST_ABOVE`)
  }
  return old
}
