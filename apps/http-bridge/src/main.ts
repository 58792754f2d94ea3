import { exitOnHelp, formatAddress, readServerTls, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { createBridge } from './bridge.js'
import { bridgeConfigSpecs, readStatusTls } from './config.js'

exitOnHelp('http-bridge: GET /status/NNN (or /?statusCode=NNN) answered by status-server over a persistent TCP link', bridgeConfigSpecs)

const logger = createLogger('http-bridge')

await runService({
  name: 'http-bridge',
  logger,
  specs: bridgeConfigSpecs,
  start: async ({ host, port, logRequests, tlsCertFile, tlsKeyFile, statusTls, statusTlsCaFile, ...options }) => {
    // Bad TLS files are one line and exit 2 here, before anything listens or connects.
    const tls = readServerTls({ tlsCertFile, tlsKeyFile })
    const upstreamTls = readStatusTls({ statusTls, statusTlsCaFile })
    const bridge = createBridge({ ...options, tls, statusTls: upstreamTls, logRequests: logRequests === 'true', logger })
    const address = await bridge.listen({ port, host })
    const upstream = `${upstreamTls === false ? '' : 'tls://'}${options.statusHost}:${options.statusPort}`
    logger.info({ address: formatAddress(address), port: address.port, upstream }, `http-bridge listening on ${tls === undefined ? 'http' : 'https'}://${formatAddress(address)}`)
    return { close: bridge.close }
  }
})
