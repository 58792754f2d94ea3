import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import { MqttConnection } from '../mqtt/connection.js'
import { assertTopicFilter, type MqttBrokerOptions } from '../mqtt/mqtt-options.js'
import type { DoorState } from '../types.js'
import { BaseSensor } from './sensor.js'

/** Longest payload read as a reading; a contact sensor's message is a few bytes, a JSON one a few dozen. */
export const DEFAULT_MQTT_SENSOR_MAX_PAYLOAD_BYTES = 1024

// A Map, not an object: a payload such as "constructor" must not find a prototype's property.
const WORDS: ReadonlyMap<string, DoorState> = new Map([['open', 'open'], ['on', 'open'], ['closed', 'close'], ['close', 'close'], ['off', 'close']])
const MAX_DATE_MS = 8.64e15

/** A payload is a reading (with the time it names, if any) or a reason to ignore it. */
export type MqttReading =
  | { ok: true, state: DoorState, at?: number }
  | { ok: false, reason: string }

/**
 * Reads one sensor payload: `open` / `closed` (or `close`), `ON` / `OFF` (Home
 * Assistant's binary_sensor convention: on = open), case and blanks ignored, or
 * our own event JSON `{"state":"open","at":<epoch ms>}` (`at` optional; a time
 * outside the Date range or in the future is dropped, so the reading counts as
 * now). A pure function that never throws, whatever the bytes.
 */
export function parseMqttReading (payload: Uint8Array, maxBytes = DEFAULT_MQTT_SENSOR_MAX_PAYLOAD_BYTES, now = Date.now()): MqttReading {
  if (payload.byteLength > maxBytes) return { ok: false, reason: `payload of ${payload.byteLength} bytes is over the ${maxBytes}-byte limit` }
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8').trim()
  const word = WORDS.get(text.toLowerCase())
  if (word !== undefined) return { ok: true, state: word }
  if (!text.startsWith('{')) return { ok: false, reason: 'expected open, closed, ON, OFF or {"state":"open"}' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'invalid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'JSON is not an object' }
  const { state, at } = value as { state?: unknown, at?: unknown }
  const named = typeof state === 'string' ? WORDS.get(state.trim().toLowerCase()) : undefined
  if (named === undefined) return { ok: false, reason: 'JSON "state" is not open, closed, ON or OFF' }
  const reading: MqttReading = { ok: true, state: named }
  if (typeof at === 'number' && Number.isFinite(at) && Math.abs(at) <= MAX_DATE_MS && at <= now) reading.at = at
  return reading
}

export interface MqttSensorOptions extends MqttBrokerOptions {
  /** DOOR_MQTT_SENSOR_TOPIC: the topic (or filter, e.g. `zigbee2mqtt/+/door`) whose messages are readings. */
  topic: string
  maxPayloadBytes?: number
  logger?: AppLogger
}

/**
 * A real door contact bridged to MQTT (Zigbee2MQTT, ESPHome, Node-RED, or
 * `mosquitto_pub -t <topic> -m open`): every message on `topic` is a reading.
 * A retained message, delivered on (re)subscribe, is the bridge's last known
 * state and counts as a reading now. Anything unreadable is logged and
 * ignored; nothing a publisher sends can throw out of here. While the broker
 * is away the sensor is merely silent: the door hub's offline clock decides
 * when clients hear `offline`, exactly as for a sensor that stopped talking.
 */
export class MqttSensor extends BaseSensor {
  readonly topic: string
  readonly #connection: MqttConnection
  readonly #logger: AppLogger
  readonly #maxPayloadBytes: number
  #started = false
  #subscribed = false

  constructor (options: MqttSensorOptions) {
    super()
    assertTopicFilter(options.topic, 'DOOR_MQTT_SENSOR_TOPIC')
    this.topic = options.topic
    this.#logger = options.logger ?? silentAppLogger
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MQTT_SENSOR_MAX_PAYLOAD_BYTES
    this.#connection = new MqttConnection({ ...options, name: 'mqtt sensor', logger: this.#logger })
  }

  /** True while connected with the subscription granted: readings published now reach the door. */
  get subscribed (): boolean {
    return this.#subscribed && this.#connection.client !== null
  }

  override start (): void {
    if (this.#started) return
    this.#started = true
    this.#connection.on('up', this.#onUp)
    this.#connection.on('down', this.#onDown)
    this.#connection.on('message', this.#onMessage)
    this.#connection.start()
  }

  override stop (): void {
    if (!this.#started) return
    this.#started = false
    this.#subscribed = false
    this.#connection.off('up', this.#onUp)
    this.#connection.off('down', this.#onDown)
    this.#connection.off('message', this.#onMessage)
    // The DoorSensor contract's stop() is synchronous; the clean DISCONNECT finishes on its own, bounded.
    void this.#connection.stop()
  }

  readonly #onUp = (client: NonNullable<MqttConnection['client']>): void => {
    client.subscribe(this.topic, { qos: 1 }, (err, granted) => {
      const refused = granted?.some((g) => g.qos >= 128) === true
      if (err || refused) {
        this.#logger.error({ topic: this.topic, err: err?.message ?? 'refused by the broker' }, 'mqtt sensor: could not subscribe to its topic')
        return
      }
      this.#subscribed = this.#connection.client === client
    })
  }

  readonly #onDown = (): void => {
    this.#subscribed = false
  }

  readonly #onMessage = (topic: string, payload: Buffer): void => {
    const reading = parseMqttReading(payload, this.#maxPayloadBytes)
    if (reading.ok) {
      this.report(reading.state, reading.at)
      return
    }
    this.#logger.warn({ topic: topic.slice(0, 200), reason: reading.reason, payload: payload.subarray(0, 80).toString('utf8') }, 'mqtt sensor: ignored a message that is not a reading')
  }
}
