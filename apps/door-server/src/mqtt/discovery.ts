import { DEFAULT_MQTT_DISCOVERY_PREFIX } from './mqtt-options.js'

/** Every topic the publisher writes, under one base topic. */
export interface DoorTopics {
  base: string
  /** `open` / `closed`, retained. */
  state: string
  /** `{"state":"open","at":<epoch ms>}` per change, not retained. */
  event: string
  /** `online` / `offline`: whether the door's sensor reports, retained. */
  sensor: string
  /** `online` (birth) / `offline` (Last Will): whether door-server itself is connected, retained. */
  availability: string
}

export function doorTopics (base: string): DoorTopics {
  return { base, state: `${base}/state`, event: `${base}/event`, sensor: `${base}/sensor`, availability: `${base}/availability` }
}

/** The payloads on the state and sensor topics (and what Home Assistant is told to expect). */
export const MQTT_PAYLOADS = Object.freeze({ open: 'open', closed: 'closed', online: 'online', offline: 'offline' })

export interface MqttDiscoveryOptions {
  /** Home Assistant's discovery prefix. Default `homeassistant`. */
  prefix?: string
  /** `<object id>` in the config topic and the base of `unique_id`. Default: the base topic with `/` as `_`. */
  objectId?: string
  /** The device's name in Home Assistant. Default `Door <door id>`. */
  deviceName?: string
}

/** Home Assistant wants `[a-zA-Z0-9_-]+` here: `eventwire/door/main` → `eventwire_door_main`. */
export function objectIdFor (baseTopic: string): string {
  const id = baseTopic.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '')
  return id === '' ? 'eventwire_door' : id
}

export interface DiscoveryMessage {
  topic: string
  /** Where Home Assistant announces itself; `online` there means "publish your config again". */
  statusTopic: string
  payload: string
}

/**
 * The retained Home Assistant discovery message for the door: a
 * `binary_sensor` with `device_class: door` (on = open) that is available
 * only while both door-server (`…/availability`) and its sensor (`…/sensor`)
 * are online, so a dead server or a silent sensor shows as "unavailable"
 * instead of a stale "closed".
 */
export function discoveryMessage (topics: DoorTopics, doorId: string, options: MqttDiscoveryOptions = {}): DiscoveryMessage {
  const prefix = options.prefix ?? DEFAULT_MQTT_DISCOVERY_PREFIX
  const objectId = options.objectId ?? objectIdFor(topics.base)
  const config = {
    name: null, // the entity is the device itself: Home Assistant shows the device name
    unique_id: objectId,
    device_class: 'door',
    state_topic: topics.state,
    payload_on: MQTT_PAYLOADS.open,
    payload_off: MQTT_PAYLOADS.closed,
    qos: 1,
    availability: [
      { topic: topics.availability, payload_available: MQTT_PAYLOADS.online, payload_not_available: MQTT_PAYLOADS.offline },
      { topic: topics.sensor, payload_available: MQTT_PAYLOADS.online, payload_not_available: MQTT_PAYLOADS.offline }
    ],
    availability_mode: 'all',
    device: {
      identifiers: [objectId],
      name: options.deviceName ?? `Door ${doorId}`,
      manufacturer: 'eventwire',
      model: 'door-server'
    },
    origin: { name: 'eventwire door-server' }
  }
  return { topic: `${prefix}/binary_sensor/${objectId}/config`, statusTopic: `${prefix}/status`, payload: JSON.stringify(config) }
}
