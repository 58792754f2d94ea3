import { DEFAULT_CLOSE_GRACE_MS, type HttpLimits, type ServerTls } from '@eventwire/kit'
import { ErrorCodes, ProtocolError, assertNumberOption, silentAppLogger, type AppLogger } from '@eventwire/protocol'
import type { DoorBus } from './door-bus.js'
import { AUTH_EVENT } from './refusal.js'
import type { ManualSensor } from './sensors/manual.js'
import type { DoorSensor } from './sensors/sensor.js'
import { DEFAULT_QUEUE_GRACE_MS, QUEUE_HARD_CAP_FACTOR } from './slow-reader.js'

/** Every default of createDoorServer, stated once: config.ts (--help) and the README take them from here. */
export const DEFAULT_MAX_QUEUE_BYTES = 64 * 1024
export const DEFAULT_OFFLINE_AFTER_MS = 30_000
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000
export const DEFAULT_TCP_KEEP_ALIVE_MS = 30_000
export const DEFAULT_MAX_CONNECTIONS = 10_000
export const DEFAULT_MAX_LINE_BYTES = 1024
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000
export { DEFAULT_CLOSE_GRACE_MS, DEFAULT_QUEUE_GRACE_MS, QUEUE_HARD_CAP_FACTOR }

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface DoorServerOptions {
  /** Where readings come from; started by listen(), stopped by close(). */
  sensor: DoorSensor
  /** Sensor silence before clients get `["offline",ms]`; 0 disables the timer. Default 30 000. */
  offlineAfterMs?: number
  /**
   * Unsent bytes per TCP client (and per browser) that may stay queued for at most
   * `queueGraceMs`; a client still above it then is dropped. Past 16 × this
   * (1 MiB by default) a client is dropped at once. Default 64 KiB.
   */
  maxQueueBytes?: number
  /** How long a queue may stay above `maxQueueBytes` before its client counts as not reading. Default 2000. */
  queueGraceMs?: number
  /**
   * Passive heartbeat on TCP: a client that has pinged is closed after this much
   * silence. The server never pings, so `nc` users and plain duplex-emitter
   * clients never see a ping. Default 30 000.
   */
  heartbeatTimeoutMs?: number
  /** TCP keepalive initial probe delay, for clients that never ping. Default 30 000. */
  tcpKeepAliveMs?: number
  /** Concurrent TCP clients. Default 10 000. */
  maxConnections?: number
  /** Longest line a TCP client may send (they should send nothing but pings). Default 1024. */
  maxLineBytes?: number
  /** WebSocket ping period for the dashboard. Default 30 000. */
  heartbeatIntervalMs?: number
  /** How long close() lets TCP clients and browsers finish before they are destroyed. Default 2000. */
  closeGraceMs?: number
  /**
   * Origins besides the dashboard's own whose pages may open its WebSocket
   * (`scheme://host[:port]`). Clients sending no Origin always may. Default none.
   */
  allowedOrigins?: readonly string[]
  /** Timeouts and connection cap of the dashboard's HTTP server (slowloris). Default: the kit's DEFAULT_HTTP_LIMITS. */
  httpLimits?: HttpLimits
  /** Enables `POST /sensor` on the web port with `Authorization: Bearer <token>`, feeding `sensor`. */
  httpSensor?: { sensor: ManualSensor, token: string }
  /**
   * TLS on both ports: the event stream (a plain-text client gets a `refused`
   * frame and a close) and the dashboard (HTTPS, WSS on /ws). Default: plain.
   */
  tls?: ServerTls
  /**
   * A shared secret TCP clients must send first as `["auth", token]` before they
   * get anything; the dashboard's /ws and GET /state want it as `?token=` or
   * `Authorization: Bearer`. Default: none, anyone may listen.
   */
  clientToken?: string
  /** With `clientToken`: a TCP client that has not sent its auth frame within this is refused. Default 10 000. */
  authTimeoutMs?: number
  /** Where events travel and the state is kept. Default: a new InProcessDoorBus (issue 12 adds Redis). */
  bus?: DoorBus
  /** Default: silent. main.ts passes pino. */
  logger?: AppLogger
}

/** The options with every default filled in, checked. */
type Optional = 'httpSensor' | 'httpLimits' | 'bus' | 'tls' | 'clientToken'
export type ResolvedDoorOptions = Required<Omit<DoorServerOptions, Optional>>
  & Pick<DoorServerOptions, Optional>
  & { queueHardCapBytes: number }

/** Fills in the defaults; a number out of range throws ProtocolError ERR_INVALID_OPTION naming the option. */
export function resolveDoorOptions (options: DoorServerOptions): ResolvedDoorOptions {
  const resolved = {
    ...options,
    offlineAfterMs: options.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS,
    maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES,
    queueGraceMs: options.queueGraceMs ?? DEFAULT_QUEUE_GRACE_MS,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    tcpKeepAliveMs: options.tcpKeepAliveMs ?? DEFAULT_TCP_KEEP_ALIVE_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    closeGraceMs: options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
    authTimeoutMs: options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
    allowedOrigins: options.allowedOrigins ?? [],
    logger: options.logger ?? silentAppLogger
  }
  // Checked here, at build time: the per-connection ones would otherwise throw only when a client connects.
  // Timer periods stop at Node's limit: past it setTimeout quietly fires after 1 ms instead.
  const timer = { max: MAX_TIMER_MS }
  assertNumberOption('offlineAfterMs', resolved.offlineAfterMs, 0, timer)
  assertNumberOption('maxQueueBytes', resolved.maxQueueBytes, 1, { integer: true })
  assertNumberOption('queueGraceMs', resolved.queueGraceMs, 1, timer)
  assertNumberOption('heartbeatTimeoutMs', resolved.heartbeatTimeoutMs, 1, timer)
  assertNumberOption('tcpKeepAliveMs', resolved.tcpKeepAliveMs, 0, { integer: true })
  assertNumberOption('maxConnections', resolved.maxConnections, 1, { integer: true })
  assertNumberOption('maxLineBytes', resolved.maxLineBytes, 1, { integer: true })
  assertNumberOption('heartbeatIntervalMs', resolved.heartbeatIntervalMs, 1, timer)
  assertNumberOption('closeGraceMs', resolved.closeGraceMs, 0, timer)
  assertNumberOption('authTimeoutMs', resolved.authTimeoutMs, 1, timer)
  if (options.clientToken !== undefined && (typeof options.clientToken !== 'string' || options.clientToken === '')) {
    // The value is not echoed: it is a secret.
    throw new ProtocolError(ErrorCodes.INVALID_OPTION, 'clientToken must be a non-empty string (or absent for no token)', { option: 'clientToken' })
  }
  // Clients send the token in one line; a token that cannot fit would lock everyone out.
  if (options.clientToken !== undefined && Buffer.byteLength(JSON.stringify([AUTH_EVENT, options.clientToken])) > resolved.maxLineBytes) {
    throw new ProtocolError(ErrorCodes.INVALID_OPTION, `clientToken is too long: ["auth", token] must fit in maxLineBytes (${resolved.maxLineBytes} bytes)`, { option: 'clientToken' })
  }
  return { ...resolved, queueHardCapBytes: resolved.maxQueueBytes * QUEUE_HARD_CAP_FACTOR }
}
