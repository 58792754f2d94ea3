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
  start: async ({ host, port, adminPort, ...options }) => {
    const status = createStatusServer({ ...options, logger })
    const address = await status.listen({ port, host })
    logger.info({ address: formatAddress(address), port: address.port }, `status-server listening on ${formatAddress(address)}`)
    const admin = await status.listenAdmin({ port: adminPort, host })
    logger.info({ address: formatAddress(admin), port: admin.port }, `status-server admin (GET /healthz, /readyz, /metrics) on http://${formatAddress(admin)}`)
    return { close: status.close }
  }
})
