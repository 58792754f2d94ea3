import { EventEmitter } from 'node:events'
import type { MqttClient } from 'mqtt'
import { assertNumberOption, silentAppLogger, type AppLogger } from '@eventwire/protocol'
import type { DoorEvent, DoorSnapshot } from '../types.js'
import { MqttConnection } from './connection.js'
import { discoveryMessage, doorTopics, MQTT_PAYLOADS, objectIdFor, type DiscoveryMessage, type DoorTopics, type MqttDiscoveryOptions } from './discovery.js'
import { assertPublishTopic, DEFAULT_MQTT_DOOR_ID, DEFAULT_MQTT_MAX_IN_FLIGHT, DEFAULT_MQTT_TOPIC_PREFIX, type MqttBrokerOptions } from './mqtt-options.js'

/**
 * What the publisher needs from the door: its events in order (`subscribe`
 * returns the unsubscribe) and its current state. A DoorBus is exactly this,
 * so wiring is one line: `new MqttDoorPublisher(door.hub.bus, …)`.
 */
export interface DoorEventSource {
  subscribe: (listener: (event: DoorEvent) => void) => () => void
  snapshot: () => DoorSnapshot
}

export interface MqttDoorPublisherOptions extends MqttBrokerOptions {
  /** Names the door in the default base topic and the Home Assistant device. Default: the base topic's last level, or `main`. */
  doorId?: string
  /** MQTT_TOPIC: the base topic. Default `eventwire/door/<doorId>`. */
  baseTopic?: string
  /** Home Assistant discovery. Default on; `false` (MQTT_DISCOVERY=false) publishes no config. */
  discovery?: boolean | MqttDiscoveryOptions
  /** Publishes awaiting the broker's PUBACK; past it events are dropped and retained topics coalesced. */
  maxInFlight?: number
  /** How long stop() waits for the last `offline` and the DISCONNECT. Default 2000. */
  stopTimeoutMs?: number
  logger?: AppLogger
}

interface PublisherEvents {
  /** Connected, and the birth, the current state and the discovery config are on their way. */
  connect: []
  disconnect: []
}

type Retained = 'state' | 'sensor'

/**
 * Mirrors the door onto an MQTT broker: retained `…/state` and `…/sensor`
 * (what a subscriber gets at once), `…/event` per change, `…/availability`
 * with a Last Will, and Home Assistant discovery.
 *
 * Only a connected client is ever published to: what happens while the broker
 * is away is not queued, so no stale event is replayed after a reconnect; the
 * retained topics are brought up to date from `snapshot()` on every connect.
 * The broker's state never reaches the door: nothing here throws into the
 * source's listener, and the TCP clients and dashboard do not wait for MQTT.
 *
 * Cluster mode (issue 12) must let one instance publish: it will hold a Redis
 * lease before start(). The fixed client id (default from the base topic)
 * is the second half: a new publisher's connect pushes a stale one out.
 */
export class MqttDoorPublisher extends EventEmitter<PublisherEvents> {
  readonly topics: DoorTopics
  readonly discovery: DiscoveryMessage | null
  readonly #source: DoorEventSource
  readonly #connection: MqttConnection
  readonly #logger: AppLogger
  readonly #maxInFlight: number
  readonly #stopTimeoutMs: number
  #unsubscribe: (() => void) | null = null
  /** The door state of the last open/close event: an event that repeats it (re-sent after `online`) is no change. */
  #lastDoor: DoorSnapshot['door'] = null
  /** Per connection: what the retained topics hold now, so only changes are published. */
  #published: Partial<Record<Retained, string>> = {}
  #inFlight = 0
  #syncPending = false
  #dropped = 0
  /** Events dropped since construction (never reset): the metrics. */
  #droppedTotal = 0
  #generation = 0

  /** Validates every option at once: a bad MQTT_URL or topic throws ConfigError here. */
  constructor (source: DoorEventSource, options: MqttDoorPublisherOptions) {
    super()
    const base = options.baseTopic ?? `${DEFAULT_MQTT_TOPIC_PREFIX}/${options.doorId ?? DEFAULT_MQTT_DOOR_ID}`
    assertPublishTopic(base, 'MQTT_TOPIC')
    const doorId = options.doorId ?? (base.split('/').filter(Boolean).at(-1) ?? DEFAULT_MQTT_DOOR_ID)
    this.topics = doorTopics(base)
    this.discovery = options.discovery === false ? null : discoveryMessage(this.topics, doorId, options.discovery === true ? {} : options.discovery)
    this.#source = source
    this.#logger = options.logger ?? silentAppLogger
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MQTT_MAX_IN_FLIGHT
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 2000
    assertNumberOption('maxInFlight', this.#maxInFlight, 1)
    assertNumberOption('stopTimeoutMs', this.#stopTimeoutMs, 0)
    this.#connection = new MqttConnection({
      ...options,
      name: 'mqtt publisher',
      clientId: options.clientId ?? objectIdFor(base),
      logger: this.#logger,
      will: { topic: this.topics.availability, payload: MQTT_PAYLOADS.offline, qos: 1, retain: true }
    })
  }

  get clientId (): string {
    return this.#connection.clientId
  }

  get connected (): boolean {
    return this.#connection.client !== null
  }

  /** Between start() and stop(): this instance publishes (in cluster mode, the one holding the lease). */
  get started (): boolean {
    return this.#unsubscribe !== null
  }

  /** `…/event` messages dropped because the broker did not acknowledge fast enough, since construction. */
  get droppedEvents (): number {
    return this.#droppedTotal
  }

  /** Follows the door and connects in the background; the broker being down is not an error. */
  start (): void {
    if (this.#unsubscribe !== null) return
    this.#lastDoor = this.#source.snapshot().door
    this.#unsubscribe = this.#source.subscribe(this.#onEvent)
    this.#connection.on('up', this.#onUp)
    this.#connection.on('down', this.#onDown)
    this.#connection.on('message', this.#onMessage)
    this.#connection.start()
  }

  /** Publishes `…/availability` = `offline` (retained), disconnects cleanly, and stops following the door. */
  async stop (): Promise<void> {
    if (this.#unsubscribe === null) return
    this.#unsubscribe()
    this.#unsubscribe = null
    await this.#connection.stop(async (client) => {
      await client.publishAsync(this.topics.availability, MQTT_PAYLOADS.offline, { qos: 1, retain: true })
    }, this.#stopTimeoutMs)
    this.#connection.off('up', this.#onUp)
    this.#connection.off('down', this.#onDown)
    this.#connection.off('message', this.#onMessage)
  }

  readonly #onEvent = (event: DoorEvent): void => {
    const previous = this.#lastDoor
    if (event.name === 'open' || event.name === 'close') this.#lastDoor = event.name
    const client = this.#connection.client
    // Disconnected: nothing is kept for later; the next connect publishes the state as it is then.
    if (client === null) return
    this.#syncRetained(client)
    if ((event.name === 'open' || event.name === 'close') && event.name !== previous) {
      const payload = JSON.stringify({ state: event.name === 'open' ? MQTT_PAYLOADS.open : MQTT_PAYLOADS.closed, at: event.at })
      if (!this.#publish(client, this.topics.event, payload, false)) this.#drop()
    }
  }

  readonly #onUp = (client: MqttClient): void => {
    this.#generation++
    this.#published = {}
    this.#inFlight = 0
    this.#syncPending = false
    this.#dropped = 0
    this.#publish(client, this.topics.availability, MQTT_PAYLOADS.online, true)
    this.#syncRetained(client)
    if (this.discovery !== null) {
      client.subscribe(this.discovery.statusTopic, { qos: 1 }, (err) => {
        if (err) this.#logger.warn({ topic: this.discovery?.statusTopic, err: err.message }, 'mqtt: could not subscribe to Home Assistant\'s status')
      })
      this.#publishDiscovery(client)
    }
    this.emit('connect')
  }

  readonly #onDown = (): void => {
    this.emit('disconnect')
  }

  readonly #onMessage = (topic: string, payload: Buffer): void => {
    const client = this.#connection.client
    if (client === null || this.discovery === null || topic !== this.discovery.statusTopic) return
    // Home Assistant's birth: it has (re)started and may have lost the entity, so the config goes again.
    if (payload.toString('utf8').trim() === 'online') this.#publishDiscovery(client)
  }

  #publishDiscovery (client: MqttClient): void {
    if (this.discovery === null) return
    if (!this.#publish(client, this.discovery.topic, this.discovery.payload, true)) this.#drop()
  }

  /** The retained topics as the snapshot says they should be: published when they differ from what they hold. */
  #syncRetained (client: MqttClient): void {
    const { door, online } = this.#source.snapshot()
    // Before the first reading nothing says the sensor works: Home Assistant shows "unavailable", not a guess.
    const wanted: Record<Retained, string | null> = {
      state: door === null ? null : door === 'open' ? MQTT_PAYLOADS.open : MQTT_PAYLOADS.closed,
      sensor: online && door !== null ? MQTT_PAYLOADS.online : MQTT_PAYLOADS.offline
    }
    for (const key of ['state', 'sensor'] as const) {
      const value = wanted[key]
      if (value === null || this.#published[key] === value) continue
      if (!this.#publish(client, this.topics[key], value, true)) {
        this.#syncPending = true // the latest state goes out when the broker catches up
        return
      }
      this.#published[key] = value
    }
  }

  /** QoS 1 publish, bounded: false (and nothing sent) when `maxInFlight` publishes await their PUBACK. */
  #publish (client: MqttClient, topic: string, payload: string, retain: boolean): boolean {
    if (this.#inFlight >= this.#maxInFlight) return false
    this.#inFlight++
    const generation = this.#generation
    client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (generation !== this.#generation) return // a previous connection's publish, flushed when it closed
      this.#inFlight--
      if (err) return // the connection is closing; the next connect republishes the state
      if (this.#syncPending) {
        this.#syncPending = false
        const current = this.#connection.client
        if (current !== null) this.#syncRetained(current)
      }
    })
    return true
  }

  #drop (): void {
    this.#droppedTotal++
    if (this.#dropped++ === 0) {
      this.#logger.warn({ maxInFlight: this.#maxInFlight }, 'mqtt broker is not acknowledging fast enough; dropping door events until it catches up (retained state stays current)')
    }
  }
}
