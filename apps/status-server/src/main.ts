import { exitOnHelp, formatAddress, hostOption, readConfig, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import {
  createStatusServer,
  DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_QUIET_REPLY_MS
} from './server.js'

const specs = {
  host: hostOption,
  port: { env: 'STATUS_PORT', flag: 'port', type: 'port', default: 9670, help: 'TCP port (0 picks a free one)' },
  maxLineBytes: { env: 'STATUS_MAX_LINE_BYTES', flag: 'max-line-bytes', type: 'int', default: DEFAULT_MAX_LINE_BYTES, min: 8, help: 'longest request line in bytes' },
  maxConnections: { env: 'STATUS_MAX_CONNECTIONS', flag: 'max-connections', type: 'int', default: DEFAULT_MAX_CONNECTIONS, min: 1, help: 'connections served at once' },
  maxConnectionsPerAddress: { env: 'STATUS_MAX_CONNECTIONS_PER_ADDRESS', flag: 'max-connections-per-address', type: 'int', default: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, min: 1, help: 'connections served at once from one client address' },
  idleTimeoutMs: { env: 'STATUS_IDLE_TIMEOUT_MS', flag: 'idle-timeout-ms', type: 'int', default: DEFAULT_IDLE_TIMEOUT_MS, min: 0, help: 'close connections silent this long (0: never)' },
  firstRequestTimeoutMs: { env: 'STATUS_FIRST_REQUEST_TIMEOUT_MS', flag: 'first-request-timeout-ms', type: 'int', default: DEFAULT_FIRST_REQUEST_TIMEOUT_MS, min: 0, help: 'close a connection with no complete request this long after connecting (0: never)' },
  quietReplyMs: { env: 'STATUS_QUIET_REPLY_MS', flag: 'quiet-reply-ms', type: 'int', default: DEFAULT_QUIET_REPLY_MS, min: 0, help: 'answer an unterminated 3-digit request after this much quiet (0: only at the line end)' }
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
