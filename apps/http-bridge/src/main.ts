import { exitOnHelp, formatAddress, hostOption, readConfig, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { createBridge, DEFAULT_CONNECTIONS, DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_PIPELINE, DEFAULT_TIMEOUT_MS } from './bridge.js'

const specs = {
  host: hostOption,
  port: { env: 'BRIDGE_PORT', flag: 'port', type: 'port', default: 8090, help: 'HTTP port (0 picks a free one)' },
  statusHost: { env: 'STATUS_HOST', flag: 'status-host', type: 'string', default: '127.0.0.1', help: 'status-server host' },
  statusPort: { env: 'STATUS_PORT', flag: 'status-port', type: 'port', default: 9670, help: 'status-server port' },
  timeoutMs: { env: 'BRIDGE_TIMEOUT_MS', flag: 'timeout-ms', type: 'int', default: DEFAULT_TIMEOUT_MS, min: 1, help: 'no reply within this long: 504' },
  maxInFlight: { env: 'BRIDGE_MAX_IN_FLIGHT', flag: 'max-in-flight', type: 'int', default: DEFAULT_MAX_IN_FLIGHT, min: 1, help: 'lookups waiting for status-server; past it: 503' },
  connections: { env: 'BRIDGE_UPSTREAM_CONNECTIONS', flag: 'connections', type: 'int', default: DEFAULT_CONNECTIONS, min: 1, max: 64, help: 'persistent connections to status-server' },
  pipeline: { env: 'BRIDGE_PIPELINE', flag: 'pipeline', type: 'int', default: DEFAULT_PIPELINE, min: 0, help: 'requests in flight per connection (0: no limit, pipelined; 1: for servers that answer once per read)' },
  keepAliveMs: { env: 'BRIDGE_KEEP_ALIVE_MS', flag: 'keep-alive-ms', type: 'int', default: DEFAULT_KEEP_ALIVE_MS, min: 1, help: 'probe an idle connection this often (keep it below the server\'s first-request and idle timeouts)' },
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
