// @eventwire/door-server/mqtt: the door on MQTT, behind a subpath of its own so that importing
// the door server as a library does not load mqtt.js (as /cluster keeps ioredis out).
export { MqttDoorPublisher, type MqttDoorPublisherOptions, type DoorEventSource } from './publisher.js'
export { MqttSensor, parseMqttReading, type MqttSensorOptions } from '../sensors/mqtt.js'
export { parseMqttUrl, DEFAULT_MQTT_TOPIC_PREFIX, DEFAULT_MQTT_DOOR_ID, DEFAULT_MQTT_DISCOVERY_PREFIX, DEFAULT_MQTT_PORT, DEFAULT_MQTTS_PORT } from './mqtt-options.js'
export { discoveryMessage, doorTopics, MQTT_PAYLOADS } from './discovery.js'
export { mqttConfigSpecs, mqttSetupFrom } from './mqtt-config.js'
