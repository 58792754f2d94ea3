import { parseOriginList } from '@eventwire/kit'
import { ConfigError, hostOption, tlsOptions, type OptionSpec } from '@eventwire/service'
import { mqttConfigSpecs } from './mqtt/mqtt-config.js'
import { DEFAULT_AUTH_TIMEOUT_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_MAX_QUEUE_BYTES, DEFAULT_OFFLINE_AFTER_MS, DEFAULT_QUEUE_GRACE_MS } from './door-options.js'

/** Every setting of the door-server: environment variable, matching --flag, default. */
export const doorConfigSpecs = {
  host: hostOption,
  port: { env: 'DOOR_PORT', flag: 'port', type: 'port', default: 8000, help: 'TCP port of the door event stream' },
  webPort: { env: 'DOOR_WEB_PORT', flag: 'web-port', type: 'port', default: 8002, help: 'HTTP port of the dashboard (page at /, WebSocket at /ws)' },
  sensor: { env: 'DOOR_SENSOR', flag: 'sensor', type: 'enum', default: 'simulated', values: ['simulated', 'stdin', 'http', 'mqtt'], help: 'where readings come from: simulated, stdin (lines "open"/"close"), http (POST /sensor with a token), mqtt (messages on DOOR_MQTT_SENSOR_TOPIC)' },
  simMaxMs: { env: 'DOOR_SIM_MAX_MS', flag: 'sim-max-ms', type: 'int', default: 5000, min: 1, help: 'simulated sensor: longest time between flips, ms' },
  offlineAfterMs: { env: 'DOOR_OFFLINE_AFTER_MS', flag: 'offline-after-ms', type: 'int', default: DEFAULT_OFFLINE_AFTER_MS, min: 0, help: 'sensor silence before clients get "offline", ms (0: only when the source ends)' },
  sensorToken: { env: 'DOOR_SENSOR_TOKEN', flag: 'sensor-token', type: 'optional-string', help: 'bearer token for POST /sensor (required with DOOR_SENSOR=http)' },
  maxQueueBytes: { env: 'DOOR_MAX_QUEUE_BYTES', flag: 'max-queue-bytes', type: 'int', default: DEFAULT_MAX_QUEUE_BYTES, min: 1024, help: 'unsent bytes a client may keep queued for longer than --queue-grace-ms before it is dropped (16 x this: dropped at once)' },
  queueGraceMs: { env: 'DOOR_QUEUE_GRACE_MS', flag: 'queue-grace-ms', type: 'int', default: DEFAULT_QUEUE_GRACE_MS, min: 10, help: 'how long a client\'s queue may stay above --max-queue-bytes before it counts as not reading, ms' },
  allowedOrigins: { env: 'DOOR_ALLOWED_ORIGINS', flag: 'allowed-origins', type: 'optional-string', help: 'comma-separated origins (scheme://host[:port]) whose pages may open the dashboard WebSocket besides its own' },
  heartbeatTimeoutMs: { env: 'DOOR_HEARTBEAT_TIMEOUT_MS', flag: 'heartbeat-timeout-ms', type: 'int', default: DEFAULT_HEARTBEAT_TIMEOUT_MS, min: 100, help: 'a client that pings is dropped after this much silence, ms' },
  // TLS_CERT_FILE, TLS_KEY_FILE: both ports (the event stream, and the dashboard as HTTPS/WSS).
  ...tlsOptions,
  clientToken: { env: 'DOOR_CLIENT_TOKEN', flag: 'client-token', type: 'optional-string', help: 'TCP clients must send ["auth", token] first (door-client --token); the dashboard\'s /ws and /state want ?token=. Prefer the variable: ps shows flags' },
  authTimeoutMs: { env: 'DOOR_AUTH_TIMEOUT_MS', flag: 'auth-timeout-ms', type: 'int', default: DEFAULT_AUTH_TIMEOUT_MS, min: 100, help: 'with DOOR_CLIENT_TOKEN: a TCP client that has not authenticated within this is refused, ms' },
  redisUrl: { env: 'REDIS_URL', flag: 'redis-url', type: 'optional-string', help: 'cluster mode: instances with the same Redis (redis://[user:password@]host:port[/db]) share one door; unset: in-process' },
  // The cluster package's DEFAULT_PREFIX, written out so that --help does not load ioredis.
  redisPrefix: { env: 'REDIS_PREFIX', flag: 'redis-prefix', type: 'string', default: 'eventwire:', help: 'cluster mode: every Redis key starts with it, so deployments can share a Redis' },
  // MQTT_URL, MQTT_TOPIC, MQTT_USERNAME, MQTT_PASSWORD, MQTT_DISCOVERY, MQTT_CLIENT_ID, DOOR_MQTT_SENSOR_TOPIC
  ...mqttConfigSpecs
} satisfies Record<string, OptionSpec>

/** DOOR_ALLOWED_ORIGINS as a list; a bad entry stops the start with a message naming the variable. */
export function allowedOriginsFrom (text: string | undefined): string[] {
  try {
    return parseOriginList(text)
  } catch (err) {
    throw new ConfigError(`DOOR_ALLOWED_ORIGINS (--allowed-origins): ${(err as Error).message}`)
  }
}

/** REDIS_URL and REDIS_PREFIX checked (undefined: in-process); a bad one stops the start with one line naming the variable. */
export function redisFrom (config: { redisUrl: string | undefined, redisPrefix: string }): { url: string, prefix: string } | undefined {
  const { redisUrl: url, redisPrefix: prefix } = config
  if (/\s/.test(prefix)) throw new ConfigError(`REDIS_PREFIX (--redis-prefix) must not contain spaces, got ${JSON.stringify(prefix)}`)
  if (url === undefined) return undefined
  let parsed: URL | null = null
  try {
    parsed = new URL(url)
  } catch {}
  const db = parsed?.pathname.replace(/^\//, '') ?? ''
  if (parsed === null || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '' || !/^\d{0,2}$/.test(db)) {
    // The value is not echoed: it may hold a password.
    throw new ConfigError('REDIS_URL (--redis-url) must look like redis://[user:password@]host:port[/db] (rediss:// for TLS), e.g. redis://127.0.0.1:6379')
  }
  return { url, prefix }
}
