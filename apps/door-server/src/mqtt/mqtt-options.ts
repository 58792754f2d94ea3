import { ConfigError } from '@eventwire/service'
import type { BackoffOptions } from '@eventwire/protocol'

/** The door's name in topics and ids when none is given: `eventwire/door/main`. */
export const DEFAULT_MQTT_DOOR_ID = 'main'
/** Topics live under `<prefix>/<door id>` unless MQTT_TOPIC names the base topic itself. */
export const DEFAULT_MQTT_TOPIC_PREFIX = 'eventwire/door'
/** Home Assistant's default discovery prefix; its birth message is `<prefix>/status` = `online`. */
export const DEFAULT_MQTT_DISCOVERY_PREFIX = 'homeassistant'
export const DEFAULT_MQTT_PORT = 1883
export const DEFAULT_MQTTS_PORT = 8883
/** PINGREQ period; the broker declares us dead (and sends the Last Will) after 1.5 × this of silence. */
export const DEFAULT_MQTT_KEEPALIVE_S = 30
/** A broker that accepted TCP but sends no CONNACK within this is given up on (and retried). */
export const DEFAULT_MQTT_CONNECT_TIMEOUT_MS = 10_000
/**
 * The same policy as the door-client's reconnect: 100 ms doubling to 5 s with
 * jitter, so door-servers that lost one broker together do not return together.
 */
export const DEFAULT_MQTT_BACKOFF: Readonly<Required<Pick<BackoffOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter'>>> =
  Object.freeze({ initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.5 })
/** The backoff resets only after a connection lasted this long: a broker that accepts and drops is not hammered. */
export const DEFAULT_MQTT_STABLE_AFTER_MS = 5000
/**
 * MQTT 5 Maximum Packet Size we announce: the broker must not send us a larger
 * packet (it drops it), so a hostile publisher cannot make us buffer megabytes.
 */
export const DEFAULT_MQTT_MAX_PACKET_BYTES = 16 * 1024
/** Publishes waiting for the broker's acknowledgement; past it events are dropped and retained topics coalesced. */
export const DEFAULT_MQTT_MAX_IN_FLIGHT = 100

/** Where the broker is and how to talk to it: shared by the publisher and the MQTT sensor. */
export interface MqttBrokerOptions {
  /** `mqtt://host[:port]` or `mqtts://host[:port]`, optionally with `user:password@`. */
  url: string
  /** Overrides the URL's user name (MQTT_USERNAME). */
  username?: string
  /** Overrides the URL's password (MQTT_PASSWORD). */
  password?: string
  /**
   * MQTT client id. The publisher's default is fixed per base topic, so a
   * restarted door-server pushes out a stale connection of its own (the broker
   * allows one connection per id); the sensor's default is random.
   */
  clientId?: string
  keepaliveS?: number
  connectTimeoutMs?: number
  /** Reconnect delays (a new connection each time, see MqttConnection). Default DEFAULT_MQTT_BACKOFF. */
  backoff?: BackoffOptions
  stableAfterMs?: number
  maxPacketBytes?: number
  /** For mqtts:// with a private CA (PEM). Node's default CAs otherwise. */
  ca?: string | Buffer
  /** Default true: mqtts:// checks the broker's certificate. */
  rejectUnauthorized?: boolean
}

/** The broker address after parsing: what mqtt.js gets, and a form safe to log. */
export interface MqttBroker {
  protocol: 'mqtt' | 'mqtts'
  host: string
  port: number
  username?: string
  password?: string
  /** The URL without credentials, for logs and errors. */
  display: string
}

/** Hides what lies between `//` and `@`, so an error about a bad URL never prints its password. */
function redact (text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//***@')
}

function decodePart (part: string, what: string, variable: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw new ConfigError(`${variable}: the ${what} in the URL is not valid percent-encoding`)
  }
}

/**
 * Parses MQTT_URL. Throws ConfigError (code ERR_CONFIG) naming `variable`
 * when it is not `mqtt://` or `mqtts://` with a host, or has a path, query
 * or fragment (those belong to WebSocket brokers, which this does not speak).
 */
export function parseMqttUrl (text: string, variable = 'MQTT_URL'): MqttBroker {
  const example = 'mqtt://127.0.0.1:1883 or mqtts://user:password@broker.example:8883'
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new ConfigError(`${variable} must be a URL such as ${example}, got ${JSON.stringify(redact(text))}`)
  }
  const protocol = url.protocol.slice(0, -1)
  if (protocol !== 'mqtt' && protocol !== 'mqtts') {
    throw new ConfigError(`${variable} must start with mqtt:// or mqtts:// (e.g. ${example}), got ${JSON.stringify(redact(text))}`)
  }
  if (url.hostname === '') throw new ConfigError(`${variable} has no host (e.g. ${example}), got ${JSON.stringify(redact(text))}`)
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${variable} must be just scheme://host[:port] with no path or query (e.g. ${example}), got ${JSON.stringify(redact(text))}`)
  }
  const port = url.port === '' ? (protocol === 'mqtts' ? DEFAULT_MQTTS_PORT : DEFAULT_MQTT_PORT) : Number(url.port)
  if (port === 0) throw new ConfigError(`${variable} has port 0; give the broker's port (1883, 8883 for mqtts)`)
  // URL keeps IPv6 literals bracketed; net.connect wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const broker: MqttBroker = { protocol, host, port, display: `${protocol}://${url.host}` }
  if (url.username !== '') broker.username = decodePart(url.username, 'user name', variable)
  if (url.password !== '') broker.password = decodePart(url.password, 'password', variable)
  return broker
}

/** The broker of `options`: the URL parsed, and MQTT_USERNAME / MQTT_PASSWORD winning over the URL's. */
export function resolveBroker (options: Pick<MqttBrokerOptions, 'url' | 'username' | 'password'>): MqttBroker {
  const broker = parseMqttUrl(options.url)
  if (options.username !== undefined) broker.username = options.username
  if (options.password !== undefined) broker.password = options.password
  return broker
}

/**
 * Throws ConfigError naming `variable` unless `topic` is a topic we may
 * publish to: not empty, no wildcards, no NUL, at most 65535 bytes.
 */
export function assertPublishTopic (topic: string, variable: string): void {
  if (topic === '') throw new ConfigError(`${variable} is empty; give a topic such as eventwire/door/main`)
  if (/[+#\0]/.test(topic)) throw new ConfigError(`${variable} must not contain +, # or NUL (those are for subscribing), got ${JSON.stringify(topic)}`)
  if (Buffer.byteLength(topic) > 65_535) throw new ConfigError(`${variable} is longer than MQTT's 65535 bytes`)
}

/**
 * Throws ConfigError naming `variable` unless `filter` is a valid MQTT topic
 * filter: `+` only as a whole level, `#` only as the last level.
 */
export function assertTopicFilter (filter: string, variable: string): void {
  if (filter === '' || filter.includes('\0') || Buffer.byteLength(filter) > 65_535) {
    throw new ConfigError(`${variable} must be a non-empty MQTT topic (at most 65535 bytes, no NUL), got ${JSON.stringify(filter)}`)
  }
  const levels = filter.split('/')
  levels.forEach((level, i) => {
    const bad = (level.includes('+') && level !== '+') || (level.includes('#') && (level !== '#' || i !== levels.length - 1))
    if (bad) throw new ConfigError(`${variable}: + must be a whole level and # the last level (e.g. zigbee2mqtt/+/contact), got ${JSON.stringify(filter)}`)
  })
}

/** True when a message published on `topic` would be delivered to a subscription on `filter`. */
export function topicMatches (filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}
