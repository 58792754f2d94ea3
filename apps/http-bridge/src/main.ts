import { exitOnHelp, formatAddress, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { createBridge } from './bridge.js'
import { bridgeConfigSpecs } from './config.js'

exitOnHelp('http-bridge: GET /status/NNN (or /?statusCode=NNN) answered by status-server over a persistent TCP link', bridgeConfigSpecs)

const logger = createLogger('http-bridge')

await runService({
  name: 'http-bridge',
  logger,
  specs: bridgeConfigSpecs,
  start: async ({ host, port, logRequests, ...options }) => {
    const bridge = createBridge({ ...options, logRequests: logRequests === 'true', logger })
    const address = await bridge.listen({ port, host })
    logger.info({ address: formatAddress(address), port: address.port, upstream: `${options.statusHost}:${options.statusPort}` }, `http-bridge listening on http://${formatAddress(address)}`)
    return { close: bridge.close }
  }
})
