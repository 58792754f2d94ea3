import { EventEmitter } from 'node:events'
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt'
import { Backoff, assertNumberOption, silentAppLogger, type AppLogger } from '@eventwire/protocol'
import {
  DEFAULT_MQTT_BACKOFF, DEFAULT_MQTT_CONNECT_TIMEOUT_MS, DEFAULT_MQTT_KEEPALIVE_S, DEFAULT_MQTT_MAX_PACKET_BYTES,
  DEFAULT_MQTT_STABLE_AFTER_MS, resolveBroker, type MqttBroker, type MqttBrokerOptions
} from './mqtt-options.js'

export interface MqttConnectionOptions extends MqttBrokerOptions {
  /** Names the connection in logs ("mqtt publisher", "mqtt sensor"). */
  name: string
  /** The Last Will the broker publishes if this connection dies without a DISCONNECT. */
  will?: { topic: string, payload: string, qos: 0 | 1, retain: boolean }
  logger?: AppLogger
}

export interface MqttConnectionEvents {
  /** A fresh client has its CONNACK: publish the current state, subscribe. */
  up: [client: MqttClient]
  /** The connected client's connection is gone; a new one follows after a backoff delay. */
  down: []
  message: [topic: string, payload: Buffer, packet: IPublishPacket]
}

interface Attached {
  client: MqttClient
  detach: () => void
}

/**
 * One MQTT connection that comes back by itself. Each attempt is a NEW
 * mqtt.js client with `reconnectPeriod: 0` and a clean session, retried after
 * a delay from our Backoff, rather than one client with mqtt.js's own
 * reconnect, for two reasons:
 * - mqtt.js retries at a fixed `reconnectPeriod` (no growth, jitter or cap)
 *   and would hammer a broker that accepts and drops at once;
 * - one mqtt.js client keeps its outgoing store across reconnects and resends
 *   QoS 1 publishes queued while it was down: stale door events. A new client
 *   has nothing to resend, so what reaches the broker after a reconnect is
 *   only what the owner publishes in `up` (the current state).
 * Never emits 'error': failures are logged and retried.
 */
export class MqttConnection extends EventEmitter<MqttConnectionEvents> {
  readonly broker: MqttBroker
  readonly clientId: string
  readonly #options: MqttConnectionOptions
  readonly #logger: AppLogger
  readonly #backoff: Backoff
  readonly #stableAfterMs: number
  #current: Attached | null = null
  #connected = false
  #started = false
  #stopped = false
  #retryTimer: NodeJS.Timeout | null = null
  #stableTimer: NodeJS.Timeout | null = null
  #lastError = ''

  /** Validates everything synchronously: a bad URL throws ConfigError here, not later. */
  constructor (options: MqttConnectionOptions) {
    super()
    this.broker = resolveBroker(options)
    this.#options = options
    this.#logger = options.logger ?? silentAppLogger
    this.#backoff = new Backoff({ ...DEFAULT_MQTT_BACKOFF, ...options.backoff })
    this.#stableAfterMs = options.stableAfterMs ?? DEFAULT_MQTT_STABLE_AFTER_MS
    assertNumberOption('stableAfterMs', this.#stableAfterMs, 0)
    assertNumberOption('keepaliveS', options.keepaliveS ?? DEFAULT_MQTT_KEEPALIVE_S, 0)
    assertNumberOption('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_MQTT_CONNECT_TIMEOUT_MS, 1)
    assertNumberOption('maxPacketBytes', options.maxPacketBytes ?? DEFAULT_MQTT_MAX_PACKET_BYTES, 128)
    this.clientId = options.clientId ?? `eventwire_${Math.random().toString(16).slice(2, 10)}`
  }

  /** The client while it is connected, else null: publish only through this, never into a queue. */
  get client (): MqttClient | null {
    return this.#connected ? this.#current?.client ?? null : null
  }

  /** Starts connecting in the background (again after a stop()); throws nothing. */
  start (): void {
    if (this.#started && !this.#stopped) return
    this.#started = true
    this.#stopped = false
    this.#backoff.reset()
    this.#open()
  }

  /**
   * Stops for good. While connected, `beforeDisconnect` may publish a last
   * message (the publisher's `offline`), then a clean DISCONNECT, so the broker
   * does not send the Last Will. Bounded by `timeoutMs` either way.
   */
  async stop (beforeDisconnect?: (client: MqttClient) => Promise<unknown>, timeoutMs = 2000): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#clearTimers()
    const current = this.#current
    const connected = this.#connected
    this.#current = null
    this.#connected = false
    if (current === null) return
    current.detach()
    if (!connected) {
      current.client.end(true)
      return
    }
    try {
      if (beforeDisconnect !== undefined) await withTimeout(beforeDisconnect(current.client), timeoutMs)
      await withTimeout(current.client.endAsync(false), timeoutMs)
    } catch (err) {
      this.#logger.warn({ connection: this.#options.name, err: (err as Error).message }, 'mqtt: no clean disconnect; closing the connection')
      current.client.end(true)
    }
  }

  #clientOptions (): IClientOptions {
    const { broker, clientId } = this
    const o = this.#options
    return {
      protocol: broker.protocol,
      host: broker.host,
      port: broker.port,
      username: broker.username,
      password: broker.password,
      clientId,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      // Nothing is queued while disconnected; the owner checks `client` before publishing.
      queueQoSZero: false,
      keepalive: o.keepaliveS ?? DEFAULT_MQTT_KEEPALIVE_S,
      connectTimeout: o.connectTimeoutMs ?? DEFAULT_MQTT_CONNECT_TIMEOUT_MS,
      properties: { maximumPacketSize: o.maxPacketBytes ?? DEFAULT_MQTT_MAX_PACKET_BYTES },
      will: o.will === undefined ? undefined : { ...o.will, payload: Buffer.from(o.will.payload) },
      ca: o.ca,
      rejectUnauthorized: o.rejectUnauthorized ?? true
    }
  }

  #open (): void {
    let client: MqttClient
    try {
      client = connect(this.#clientOptions())
    } catch (err) {
      this.#lastError = (err as Error).message
      this.#scheduleRetry()
      return
    }
    this.#current = this.#attach(client)
  }

  #attach (client: MqttClient): Attached {
    const onConnect = (): void => {
      this.#connected = true
      if (this.#backoff.attempt > 0) this.#logger.info({ connection: this.#options.name, broker: this.broker.display, clientId: this.clientId }, 'mqtt reconnected')
      else this.#logger.info({ connection: this.#options.name, broker: this.broker.display, clientId: this.clientId }, 'mqtt connected')
      this.#stableTimer = setTimeout(() => { this.#stableTimer = null; this.#backoff.reset() }, this.#stableAfterMs)
      this.#safeEmit('up', client)
    }
    const onError = (err: Error & { code?: unknown }): void => {
      this.#lastError = err.code === undefined ? err.message : `${err.message} (${String(err.code)})`
    }
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
      this.#safeEmit('message', topic, payload, packet)
    }
    const onClose = (): void => { this.#onClose(client) }
    client.on('connect', onConnect)
    client.on('error', onError)
    client.on('message', onMessage)
    client.on('close', onClose)
    const detach = (): void => {
      client.off('connect', onConnect)
      client.off('message', onMessage)
      client.off('close', onClose)
      client.off('error', onError)
      // mqtt.js may still report the dying stream's error; with no listener that would crash the process.
      client.on('error', noop)
    }
    return { client, detach }
  }

  #onClose (client: MqttClient): void {
    if (this.#current?.client !== client) return
    const wasConnected = this.#connected
    this.#current.detach()
    this.#current = null
    this.#connected = false
    // Force: drop anything unacknowledged with this client; it is never resent.
    client.end(true)
    this.#clearTimers()
    if (wasConnected) {
      this.#logger.warn({ connection: this.#options.name, broker: this.broker.display, reason: this.#lastError || 'connection closed' }, 'mqtt connection lost')
      this.#safeEmit('down')
    }
    this.#scheduleRetry()
  }

  #scheduleRetry (): void {
    if (this.#stopped) return
    const delay = this.#backoff.next()
    this.#logger.info({ connection: this.#options.name, broker: this.broker.display, attempt: this.#backoff.attempt, delayMs: delay, reason: this.#lastError || 'connection closed' }, `mqtt: reconnecting in ${delay} ms`)
    this.#lastError = ''
    this.#retryTimer = setTimeout(() => { this.#retryTimer = null; this.#open() }, delay)
  }

  #safeEmit<K extends keyof MqttConnectionEvents> (event: K, ...args: MqttConnectionEvents[K]): void {
    try {
      // @ts-expect-error TypeScript cannot tie a generic key to its tuple here; the signature above does.
      this.emit(event, ...args)
    } catch (err) {
      // A bug in a listener must not unwind into mqtt.js's parser.
      this.#logger.error({ connection: this.#options.name, event, err: (err as Error).message }, 'mqtt: a listener failed')
    }
  }

  #clearTimers (): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    if (this.#stableTimer !== null) clearTimeout(this.#stableTimer)
    this.#retryTimer = null
    this.#stableTimer = null
  }
}

function noop (): void {}

async function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
