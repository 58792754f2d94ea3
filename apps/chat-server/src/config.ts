import { parseOriginList } from '@eventwire/kit'
import { DEFAULT_PREFIX } from '@eventwire/cluster'
import { ConfigError, hostOption, type OptionSpec } from '@eventwire/service'
import { DEFAULT_LEASE_MS } from './cluster/chat-cluster.js'
import { DEFAULT_ANNOUNCE_LIMIT, DEFAULT_HISTORY_SIZE, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_RATE_LIMIT } from './core/room-options.js'
import { DEFAULT_IRC_CHANNEL } from './irc/irc-transport.js'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUE_BYTES } from './server.js'

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
  announceLimit: { env: 'CHAT_ANNOUNCE_LIMIT', flag: 'announce-limit', type: 'int', default: DEFAULT_ANNOUNCE_LIMIT, min: 0, help: 'announce joins/leaves while the room has at most this many members (0: always)' },
  heartbeatIntervalMs: { env: 'CHAT_HEARTBEAT_MS', flag: 'heartbeat-ms', type: 'int', default: DEFAULT_HEARTBEAT_INTERVAL_MS, min: 100, help: 'WebSocket ping and IRC PING interval, ms' },
  redisUrl: { env: 'REDIS_URL', flag: 'redis-url', type: 'optional-string', help: 'cluster mode: redis://[user:password@]host:port[/db] shared by every instance (unset: one in-process room)' },
  redisPrefix: { env: 'REDIS_PREFIX', flag: 'redis-prefix', type: 'string', default: DEFAULT_PREFIX, help: 'cluster mode: prefix of every Redis key, so deployments can share one Redis' },
  leaseMs: { env: 'CHAT_LEASE_MS', flag: 'lease-ms', type: 'int', default: DEFAULT_LEASE_MS, min: 300, help: 'cluster mode: an instance silent this long is dead; the leaves of its members are announced by another' },
  allowedOrigins: { env: 'CHAT_ALLOWED_ORIGINS', flag: 'allowed-origins', type: 'optional-string', help: 'browser origins besides the page\'s own that may open /ws, comma-separated scheme://host[:port]' }
} satisfies Record<string, OptionSpec>

/** CHAT_ALLOWED_ORIGINS as a list; a bad entry stops the start with a message naming the variable. */
export function allowedOriginsFrom (text: string | undefined): string[] {
  try {
    return parseOriginList(text)
  } catch (err) {
    throw new ConfigError(`CHAT_ALLOWED_ORIGINS: ${(err as Error).message}`)
  }
}
