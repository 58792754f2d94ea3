import { exitOnHelp, formatAddress, runService } from '@eventwire/service'
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
      logger
    })
    const { tcp, web, irc } = await server.listen({ port: config.port, webPort: config.webPort, ircPort: config.ircPort, host: config.host })
    const ircAddress = formatAddress(irc as NonNullable<typeof irc>)
    logger.info({ tcp: formatAddress(tcp), web: formatAddress(web), irc: ircAddress }, `chat-server listening: tcp ${formatAddress(tcp)}, web http://${formatAddress(web)}/, irc ${ircAddress}`)
    return server
  }
})
