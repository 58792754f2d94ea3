import { createLogger, exitOnHelp, formatAddress, hostOption, readConfig, runService } from '@eventwire/service'
import { createStatusServer } from './server.js'

const specs = {
  host: hostOption,
  port: { env: 'STATUS_PORT', flag: 'port', type: 'port', default: 9670, help: 'TCP port (0 picks a free one)' },
  maxLineBytes: { env: 'STATUS_MAX_LINE_BYTES', flag: 'max-line-bytes', type: 'int', default: 1024, min: 8, help: 'longest request line in bytes' },
  maxConnections: { env: 'STATUS_MAX_CONNECTIONS', flag: 'max-connections', type: 'int', default: 1000, min: 1, help: 'connections served at once' },
  idleTimeoutMs: { env: 'STATUS_IDLE_TIMEOUT_MS', flag: 'idle-timeout-ms', type: 'int', default: 300_000, min: 0, help: 'close connections silent this long (0: never)' }
} as const

exitOnHelp('status-server: one HTTP status code per line in, one description line out (TCP)', specs)

const logger = createLogger('status-server')

await runService({
  name: 'status-server',
  logger,
  start: async () => {
    const config = readConfig(specs)
    const status = createStatusServer({ ...config, logger })
    const address = await status.listen(config.port, config.host)
    logger.info({ address: formatAddress(address), port: address.port }, `status-server listening on ${formatAddress(address)}`)
    return { close: status.close }
  }
})
