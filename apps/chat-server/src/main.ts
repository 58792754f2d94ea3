import { parseOriginList } from '@eventwire/kit'
import { ConfigError, exitOnHelp, formatAddress, hostOption, readConfig, runService, type OptionSpec } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import {
  createChatServer,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_MESSAGE_LENGTH,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_RATE_LIMIT
} from './index.js'

const specs = {
  host: hostOption,
  tcpPort: { env: 'CHAT_PORT', flag: 'port', type: 'port', default: 8001, help: 'TCP port for netcat/telnet users' },
  webPort: { env: 'CHAT_WEB_PORT', flag: 'web-port', type: 'port', default: 8081, help: 'HTTP port: page at /, WebSocket at /ws, /healthz' },
  historySize: { env: 'CHAT_HISTORY', flag: 'history', type: 'int', default: DEFAULT_HISTORY_SIZE, min: 0, max: 10_000, help: 'messages replayed to a member who joins' },
  maxMessageLength: { env: 'CHAT_MAX_MESSAGE', flag: 'max-message', type: 'int', default: DEFAULT_MAX_MESSAGE_LENGTH, min: 1, max: 1_000_000, help: 'longest message, in characters' },
  burst: { env: 'CHAT_RATE_BURST', flag: 'rate-burst', type: 'int', default: DEFAULT_RATE_LIMIT.burst, min: 1, help: 'lines a member may send at once' },
  perSecond: { env: 'CHAT_RATE_PER_SECOND', flag: 'rate-per-second', type: 'int', default: DEFAULT_RATE_LIMIT.perSecond, min: 1, help: 'sustained lines per second per member' },
  maxQueueBytes: { env: 'CHAT_MAX_QUEUE_BYTES', flag: 'max-queue-bytes', type: 'int', default: DEFAULT_MAX_QUEUE_BYTES, min: 1024, help: 'outgoing bytes queued per member before it is dropped as too slow' },
  maxLineBytes: { env: 'CHAT_MAX_LINE_BYTES', flag: 'max-line-bytes', type: 'int', default: DEFAULT_MAX_LINE_BYTES, min: 64, help: 'longest TCP line / WebSocket message, in bytes' },
  announceLimit: { env: 'CHAT_ANNOUNCE_LIMIT', flag: 'announce-limit', type: 'int', default: 1_000_000, min: 0, help: 'announce joins/leaves while the room has at most this many members (the default means always)' },
  heartbeatMs: { env: 'CHAT_HEARTBEAT_MS', flag: 'heartbeat-ms', type: 'int', default: DEFAULT_HEARTBEAT_INTERVAL_MS, min: 100, help: 'WebSocket ping interval' },
  allowedOrigins: { env: 'CHAT_ALLOWED_ORIGINS', flag: 'allowed-origins', type: 'optional-string', help: 'browser origins besides the page\'s own that may open /ws, comma-separated scheme://host[:port]' }
} satisfies Record<string, OptionSpec>

exitOnHelp('chat-server: one chat room for netcat/telnet (TCP) and browser (WebSocket) users', specs)

const logger = createLogger('chat-server')

await runService({
  name: 'chat-server',
  logger,
  async start () {
    const config = readConfig(specs)
    let allowedOrigins: string[]
    try {
      allowedOrigins = parseOriginList(config.allowedOrigins)
    } catch (err) {
      throw new ConfigError(`CHAT_ALLOWED_ORIGINS: ${(err as Error).message}`)
    }
    const server = createChatServer({
      historySize: config.historySize,
      maxMessageLength: config.maxMessageLength,
      rateLimit: { burst: config.burst, perSecond: config.perSecond },
      maxQueueBytes: config.maxQueueBytes,
      maxLineBytes: config.maxLineBytes,
      heartbeatIntervalMs: config.heartbeatMs,
      announceLimit: config.announceLimit,
      allowedOrigins,
      logger
    })
    const { tcp, web } = await server.listen({ tcpPort: config.tcpPort, webPort: config.webPort, host: config.host })
    logger.info({ tcp: formatAddress(tcp), web: formatAddress(web) }, `chat-server listening: tcp ${formatAddress(tcp)}, web http://${formatAddress(web)}/`)
    return server
  }
})
