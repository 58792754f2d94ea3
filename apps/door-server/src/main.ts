import { exitOnHelp, formatAddress, readServerTls, runService } from '@eventwire/service'
import { createLogger } from '@eventwire/service/logger'
import { allowedOriginsFrom, doorConfigSpecs, redisFrom } from './config.js'
import { connectClusterBus } from './cluster/connect.js'
import { createDoorServer } from './door-server.js'
import { mqttSetupFrom } from './mqtt/mqtt-config.js'
import { watchMqttPublisher } from './mqtt/mqtt-ops.js'
import { MqttDoorPublisher } from './mqtt/publisher.js'
import { startPublisherRole, type PublisherRole } from './mqtt/publisher-role.js'
import { sensorFromConfig } from './sensor-from-config.js'

exitOnHelp('door-server: door events over TCP (duplex-emitter frames), a live web dashboard, optionally MQTT and a Redis cluster', doorConfigSpecs)

const logger = createLogger('door-server')

await runService({
  name: 'door-server',
  logger,
  specs: doorConfigSpecs,
  async start (config) {
    const allowedOrigins = allowedOriginsFrom(config.allowedOrigins)
    // A bad certificate or key stops the start (exit 2, one line naming the variable), not the first handshake.
    const tls = readServerTls(config)
    const redis = redisFrom(config)
    // Every MQTT setting is checked (a bad MQTT_URL is one line naming it) before anything connects.
    const mqtt = mqttSetupFrom(config, config.sensor, logger)
    const { sensor, httpSensor } = sensorFromConfig(config, logger, mqtt.sensor)
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
      tls,
      clientToken: config.clientToken,
      authTimeoutMs: config.authTimeoutMs,
      logger
    })
    const publisher = mqtt.publisher === undefined ? undefined : new MqttDoorPublisher(door.hub.bus, mqtt.publisher)
    if (publisher !== undefined) watchMqttPublisher(door, publisher)
    const { tcp, web } = await door.listen({ port: config.port, webPort: config.webPort, host: config.host })
    // One publisher for the whole cluster: a Redis lease picks it (in-process: this one).
    const role: PublisherRole | undefined = publisher === undefined ? undefined : await startPublisherRole(publisher, bus?.link, logger)
    // Whether a token is set is logged, never the token.
    const [stream, page] = tls === undefined ? ['', 'http'] : ['tls://', 'https']
    logger.info({ tcp: formatAddress(tcp), web: formatAddress(web), tls: tls !== undefined, clientToken: config.clientToken !== undefined, sensor: config.sensor, mqtt: mqtt.publisher !== undefined }, `door-server listening on ${stream}${formatAddress(tcp)} (dashboard ${page}://${formatAddress(web)}/)`)
    return {
      close: async () => {
        // The publisher first: its `offline` goes out cleanly before the door stops.
        await role?.stop()
        await door.close()
        await bus?.close()
      }
    }
  }
})
