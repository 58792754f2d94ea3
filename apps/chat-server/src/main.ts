import { exitOnHelp, formatAddress, readServerTls, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { clusterFromConfig } from './cluster/from-config.js'
import { allowedOriginsFrom, chatConfigSpecs, presenceDigestAboveFrom } from './config.js'
import { createChatServer } from './server.js'

exitOnHelp('chat-server: one chat room for netcat/telnet (TCP), browser (WebSocket) and IRC users', chatConfigSpecs)

const logger = createLogger('chat-server')

await runService({
  name: 'chat-server',
  logger,
  specs: chatConfigSpecs,
  async start (config) {
    const allowedOrigins = allowedOriginsFrom(config.allowedOrigins)
    const presenceDigestAbove = presenceDigestAboveFrom(config)
    // A bad certificate or key stops the start (exit 2, one line) before Redis or any port.
    const tls = readServerTls(config)
    // REDIS_URL: several instances share one room; connected before any port is bound.
    const cluster = await clusterFromConfig(config, logger)
    const server = createChatServer({
      historySize: config.historySize,
      maxMessageLength: config.maxMessageLength,
      rateLimit: { burst: config.burst, perSecond: config.perSecond },
      maxQueueBytes: config.maxQueueBytes,
      maxLineBytes: config.maxLineBytes,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      presenceDigestAbove,
      presenceDigestMs: config.presenceDigestMs,
      whoPageSize: config.whoPageSize,
      allowedOrigins,
      cluster,
      ircChannel: config.ircChannel,
      ircTopic: config.ircTopic,
      tls,
      token: config.token,
      authTimeoutMs: config.authTimeoutMs,
      logger
    })
    const { tcp, web, irc } = await server.listen({ port: config.port, webPort: config.webPort, ircPort: config.ircPort, host: config.host })
    // tls:// for the line ports, as openssl s_client and IRC clients must be told; whether a token is set, never the token.
    const [line, http] = tls === undefined ? ['', 'http'] : ['tls://', 'https']
    const bound = { tcp: formatAddress(tcp), web: formatAddress(web), irc: formatAddress(irc as NonNullable<typeof irc>) }
    logger.info({ ...bound, tls: tls !== undefined, token: config.token !== undefined }, `chat-server listening: tcp ${line}${bound.tcp}, web ${http}://${bound.web}/, irc ${line}${bound.irc}`)
    return server
  }
})
