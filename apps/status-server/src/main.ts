import { exitOnHelp, formatAddress, readServerTls, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { statusConfigSpecs } from './config.js'
import { createStatusServer } from './server.js'

exitOnHelp('status-server: one HTTP status code per line in, one description line out (TCP)', statusConfigSpecs)

const logger = createLogger('status-server')

await runService({
  name: 'status-server',
  logger,
  specs: statusConfigSpecs,
  start: async ({ host, port, adminPort, tlsCertFile, tlsKeyFile, ...options }) => {
    // A bad pair is one line and exit 2 here, before anything listens.
    const tls = readServerTls({ tlsCertFile, tlsKeyFile })
    const status = createStatusServer({ ...options, tls, logger })
    const address = await status.listen({ port, host })
    // Without TLS the line stays as it always was: scripts read it.
    const scheme = tls === undefined ? '' : 'tls://'
    logger.info({ address: formatAddress(address), port: address.port, tls: tls !== undefined }, `status-server listening on ${scheme}${formatAddress(address)}`)
    const admin = await status.listenAdmin({ port: adminPort, host })
    logger.info({ address: formatAddress(admin), port: admin.port }, `status-server admin (GET /healthz, /readyz, /metrics) on ${tls === undefined ? 'http' : 'https'}://${formatAddress(admin)}`)
    return { close: status.close }
  }
})
