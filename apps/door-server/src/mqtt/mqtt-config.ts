import { ConfigError, type OptionSpec } from '@eventwire/service'
import type { AppLogger } from '@eventwire/protocol'
import type { MqttSensorOptions } from '../sensors/mqtt.js'
import { doorTopics } from './discovery.js'
import { assertPublishTopic, assertTopicFilter, DEFAULT_MQTT_DOOR_ID, DEFAULT_MQTT_TOPIC_PREFIX, parseMqttUrl, topicMatches, type MqttBrokerOptions } from './mqtt-options.js'
import type { MqttDoorPublisherOptions } from './publisher.js'

/**
 * The MQTT settings of door-server, to spread into its option specs
 * (`{ ...doorConfigSpecs, ...mqttConfigSpecs }`). The password has no flag:
 * a flag would show it to everyone who can run `ps`.
 */
export const mqttConfigSpecs = {
  mqttUrl: { env: 'MQTT_URL', flag: 'mqtt-url', type: 'optional-string', help: 'MQTT broker (mqtt://host:1883, mqtts://user:password@host:8883); unset: no MQTT' },
  mqttTopic: { env: 'MQTT_TOPIC', flag: 'mqtt-topic', type: 'optional-string', help: `base topic of the door's MQTT topics (default ${DEFAULT_MQTT_TOPIC_PREFIX}/${DEFAULT_MQTT_DOOR_ID})` },
  mqttUsername: { env: 'MQTT_USERNAME', flag: 'mqtt-username', type: 'optional-string', help: 'MQTT user name (overrides the one in MQTT_URL)' },
  mqttPassword: { env: 'MQTT_PASSWORD', type: 'optional-string', help: 'MQTT password (overrides the one in MQTT_URL)' },
  mqttDiscovery: { env: 'MQTT_DISCOVERY', flag: 'mqtt-discovery', type: 'enum', default: 'true', values: ['true', 'false'], help: 'publish Home Assistant MQTT discovery config' },
  mqttClientId: { env: 'MQTT_CLIENT_ID', flag: 'mqtt-client-id', type: 'optional-string', help: 'MQTT client id of the publisher, fixed per deployment (default from the base topic)' },
  mqttSensorTopic: { env: 'DOOR_MQTT_SENSOR_TOPIC', flag: 'mqtt-sensor-topic', type: 'optional-string', help: 'with DOOR_SENSOR=mqtt: topic whose messages (open/closed, ON/OFF, {"state":"open"}) are readings (default <base topic>/reading)' }
} satisfies Record<string, OptionSpec>

/** What readConfig returns for mqttConfigSpecs. */
export interface MqttConfigValues {
  mqttUrl: string | undefined
  mqttTopic: string | undefined
  mqttUsername: string | undefined
  mqttPassword: string | undefined
  mqttDiscovery: string
  mqttClientId: string | undefined
  mqttSensorTopic: string | undefined
}

export interface MqttSetup {
  /** Options for `new MqttDoorPublisher(door.hub, …)`; undefined when MQTT_URL is unset. */
  publisher?: MqttDoorPublisherOptions
  /** Options for `new MqttSensor(…)` when `sensor` is `mqtt`. */
  sensor?: MqttSensorOptions
}

/**
 * Turns the config into factory options, checking what the specs alone cannot:
 * DOOR_SENSOR=mqtt needs MQTT_URL, and the sensor topic must not catch our own
 * publications (the door would feed itself its retained state and never be
 * reported offline). Errors are ConfigError naming the variable.
 */
export function mqttSetupFrom (config: MqttConfigValues, sensor: string, logger?: AppLogger): MqttSetup {
  if (config.mqttUrl === undefined) {
    if (sensor === 'mqtt') throw new ConfigError('DOOR_SENSOR=mqtt needs MQTT_URL (e.g. mqtt://127.0.0.1:1883): the broker the readings come from')
    return {}
  }
  parseMqttUrl(config.mqttUrl) // a bad URL stops the start here, named, before anything listens
  const broker: MqttBrokerOptions = { url: config.mqttUrl, username: config.mqttUsername, password: config.mqttPassword }
  const baseTopic = config.mqttTopic ?? `${DEFAULT_MQTT_TOPIC_PREFIX}/${DEFAULT_MQTT_DOOR_ID}`
  assertPublishTopic(baseTopic, 'MQTT_TOPIC')
  const publisher: MqttDoorPublisherOptions = {
    ...broker,
    baseTopic,
    clientId: config.mqttClientId,
    discovery: config.mqttDiscovery !== 'false',
    logger
  }
  if (sensor !== 'mqtt') return { publisher }
  const topic = config.mqttSensorTopic ?? `${baseTopic}/reading`
  assertTopicFilter(topic, 'DOOR_MQTT_SENSOR_TOPIC')
  const ours = Object.values(doorTopics(baseTopic)).filter((t) => t !== baseTopic)
  const caught = ours.find((t) => topicMatches(topic, t))
  if (caught !== undefined) {
    throw new ConfigError(`DOOR_MQTT_SENSOR_TOPIC ${JSON.stringify(topic)} would receive door-server's own ${JSON.stringify(caught)}; choose a topic outside what MQTT_TOPIC publishes (e.g. ${baseTopic}/reading)`)
  }
  return { publisher, sensor: { ...broker, topic, logger } }
}
