import { exitOnHelp, formatAddress, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { statusConfigSpecs } from './config.js'
import { createStatusServer } from './server.js'

exitOnHelp('status-server: one HTTP status code per line in, one description line out (TCP)', statusConfigSpecs)

const logger = createLogger('status-server')

await runService({
  name: 'status-server',
  logger,
  specs: statusConfigSpecs,
  start: async ({ host, port, ...options }) => {
    const status = createStatusServer({ ...options, logger })
    const address = await status.listen({ port, host })
    logger.info({ address: formatAddress(address), port: address.port }, `status-server listening on ${formatAddress(address)}`)
    return { close: status.close }
  }
})
