import { createLogger, exitOnHelp, formatAddress, hostOption, readConfig, runService } from '@eventwire/service'
import { createBridge } from './bridge.js'

const specs = {
  host: hostOption,
  port: { env: 'BRIDGE_PORT', flag: 'port', type: 'port', default: 8090, help: 'HTTP port (0 picks a free one)' },
  statusHost: { env: 'STATUS_HOST', flag: 'status-host', type: 'string', default: '127.0.0.1', help: 'status-server host' },
  statusPort: { env: 'STATUS_PORT', flag: 'status-port', type: 'port', default: 9670, help: 'status-server port' },
  timeoutMs: { env: 'BRIDGE_TIMEOUT_MS', flag: 'timeout-ms', type: 'int', default: 2000, min: 1, help: 'no reply within this long: 504' },
  maxInFlight: { env: 'BRIDGE_MAX_IN_FLIGHT', flag: 'max-in-flight', type: 'int', default: 1000, min: 1, help: 'lookups waiting for status-server; past it: 503' },
  connections: { env: 'BRIDGE_UPSTREAM_CONNECTIONS', flag: 'connections', type: 'int', default: 2, min: 1, max: 64, help: 'persistent connections to status-server' },
  logRequests: { env: 'BRIDGE_LOG_REQUESTS', flag: 'log-requests', type: 'enum', default: 'false', values: ['true', 'false'], help: 'log every request' }
} as const

exitOnHelp('http-bridge: GET /status/NNN (or /?statusCode=NNN) answered by status-server over a persistent TCP link', specs)

const logger = createLogger('http-bridge')

await runService({
  name: 'http-bridge',
  logger,
  start: async () => {
    const { host, port, logRequests, ...config } = readConfig(specs)
    const bridge = createBridge({ ...config, logRequests: logRequests === 'true', logger })
    const address = await bridge.listen(port, host)
    logger.info({ address: formatAddress(address), port: address.port, upstream: `${config.statusHost}:${config.statusPort}` }, `http-bridge listening on http://${formatAddress(address)}`)
    return { close: bridge.close }
  }
})
