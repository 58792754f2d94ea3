import { ConfigError, exitOnHelp, formatAddress, readConfig, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { allowedOriginsFrom, doorConfigSpecs, redisFrom } from './config.js'
import { connectClusterBus } from './cluster/connect.js'
import { createDoorServer } from './door-server.js'
import { ManualSensor } from './sensors/manual.js'
import type { DoorSensor } from './sensors/sensor.js'
import { SimulatedSensor } from './sensors/simulated.js'
import { StreamSensor } from './sensors/stream.js'

exitOnHelp('door-server: door events over TCP (duplex-emitter frames) and a live web dashboard', doorConfigSpecs)

const logger = createLogger('door-server')

await runService({
  name: 'door-server',
  logger,
  async start () {
    const config = readConfig(doorConfigSpecs)
    const allowedOrigins = allowedOriginsFrom(config.allowedOrigins)
    const redis = redisFrom(config)
    let sensor: DoorSensor
    let httpSensor: { sensor: ManualSensor, token: string } | undefined
    switch (config.sensor) {
      case 'stdin':
        sensor = new StreamSensor(process.stdin, { logger })
        break
      case 'http': {
        if (config.sensorToken === undefined) throw new ConfigError('DOOR_SENSOR=http needs DOOR_SENSOR_TOKEN (or --sensor-token): the endpoint must not be open to anyone')
        const manual = new ManualSensor()
        sensor = manual
        httpSensor = { sensor: manual, token: config.sensorToken }
        break
      }
      default:
        sensor = new SimulatedSensor({ maxMs: config.simMaxMs })
        if (config.offlineAfterMs !== 0 && config.simMaxMs >= config.offlineAfterMs) {
          logger.warn({ simMaxMs: config.simMaxMs, offlineAfterMs: config.offlineAfterMs }, 'DOOR_SIM_MAX_MS >= DOOR_OFFLINE_AFTER_MS: the simulated sensor will be reported offline between flips')
        }
    }
    // Cluster mode (REDIS_URL): the bus is connected before anything listens, so the first clients get the shared state.
    const bus = redis === undefined ? undefined : await connectClusterBus(redis, logger)
    const door = createDoorServer({
      bus,
      sensor,
      httpSensor,
      offlineAfterMs: config.offlineAfterMs,
      maxQueueBytes: config.maxQueueBytes,
      queueGraceMs: config.queueGraceMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      allowedOrigins,
      logger
    })
    const { tcp, web } = await door.listen({ port: config.port, webPort: config.webPort, host: config.host })
    logger.info({ tcp: formatAddress(tcp), web: formatAddress(web), sensor: config.sensor }, `door-server listening on ${formatAddress(tcp)} (dashboard http://${formatAddress(web)}/)`)
    return bus === undefined ? door : { close: async () => { await door.close(); await bus.close() } }
  }
})
