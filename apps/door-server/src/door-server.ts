import type { AddressInfo } from 'node:net'
import type { HttpLimits } from '@eventwire/kit'
import { listen as listenTcp } from '@eventwire/service'
import { DoorHub } from './door-hub.js'
import type { DoorSensor } from './sensors/sensor.js'
import type { ManualSensor } from './sensors/manual.js'
import { DEFAULT_QUEUE_GRACE_MS, QUEUE_HARD_CAP_FACTOR } from './slow-reader.js'
import { TcpBroadcast } from './tcp-broadcast.js'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import type { DoorSnapshot } from './types.js'
import { WebDashboard } from './web-dashboard.js'

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
   * Passive heartbeat on TCP: a client that has pinged is closed after `timeoutMs`
   * of silence (default 30 000). The server never pings, so `nc` users and plain
   * duplex-emitter clients never see a ping; `active` can only be false.
   */
  heartbeat?: { active?: false, timeoutMs?: number }
  /** TCP keepalive probe delay for clients that never ping. Default 30 000. */
  keepAliveMs?: number
  /** Concurrent TCP clients. Default 10 000. */
  maxClients?: number
  /** Longest line a TCP client may send (they should send nothing but pings). Default 1024. */
  maxLineBytes?: number
  /** WebSocket ping period for the dashboard. Default 30 000. */
  wsPingIntervalMs?: number
  /**
   * Origins besides the dashboard's own whose pages may open its WebSocket
   * (`scheme://host[:port]`). Clients sending no Origin always may. Default none.
   */
  allowedOrigins?: readonly string[]
  /** Timeouts and connection cap of the dashboard's HTTP server (slowloris). Default: the kit's DEFAULT_HTTP_LIMITS. */
  httpLimits?: HttpLimits
  /** Enables `POST /sensor` on the web port with `Authorization: Bearer <token>`, feeding `sensor`. */
  httpSensor?: { sensor: ManualSensor, token: string }
  /** Default: silent. main.ts passes pino. */
  logger?: AppLogger
  /** How long close() waits for clients to go before destroying them. Default 2000. */
  closeGraceMs?: number
}

export interface DoorListenOptions {
  /** TCP port for the event stream; 0 picks a free one. */
  port: number
  /** Dashboard port; 0 or omitted picks a free one. */
  webPort?: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface DoorServer {
  /** The door state model; transports subscribe to its 'event'. */
  readonly hub: DoorHub
  readonly tcp: TcpBroadcast
  readonly web: WebDashboard
  /** Starts the sensor and both listeners; resolves with the addresses really bound. */
  listen (options: DoorListenOptions): Promise<{ tcp: AddressInfo, web: AddressInfo }>
  /** Stops accepting, ends every client cleanly, stops the sensor and every timer. */
  close (): Promise<void>
  /** Current state, as the dashboard shows it. */
  snapshot (): DoorSnapshot
}

export const DEFAULT_MAX_QUEUE_BYTES = 64 * 1024
export const DEFAULT_OFFLINE_AFTER_MS = 30_000
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000
export { DEFAULT_QUEUE_GRACE_MS, QUEUE_HARD_CAP_FACTOR }

/**
 * Builds a door server: sensor → DoorHub → TCP clients (remote-emitter frames)
 * and browsers (WebSocket JSON). Nothing listens until `listen()`.
 *
 * ```ts
 * const sensor = new ManualSensor()
 * const door = createDoorServer({ sensor })
 * const { tcp } = await door.listen({ port: 0 })
 * sensor.set('open')   // every client receives ["open",<ms>]
 * ```
 */
export function createDoorServer (options: DoorServerOptions): DoorServer {
  const logger = options.logger ?? silentAppLogger
  const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES
  const closeGraceMs = options.closeGraceMs ?? 2000
  const queue = {
    maxQueueBytes,
    queueGraceMs: options.queueGraceMs ?? DEFAULT_QUEUE_GRACE_MS,
    queueHardCapBytes: maxQueueBytes * QUEUE_HARD_CAP_FACTOR
  }
  const hub = new DoorHub(options.sensor, { offlineAfterMs: options.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS, logger })
  const tcp = new TcpBroadcast(hub, {
    ...queue,
    heartbeatTimeoutMs: options.heartbeat?.timeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    keepAliveMs: options.keepAliveMs ?? 30_000,
    maxClients: options.maxClients ?? 10_000,
    maxLineBytes: options.maxLineBytes ?? 1024,
    logger
  })
  const web = new WebDashboard(hub, {
    ...queue,
    pingIntervalMs: options.wsPingIntervalMs ?? 30_000,
    httpSensor: options.httpSensor,
    allowedOrigins: options.allowedOrigins ?? [],
    httpLimits: options.httpLimits,
    logger
  })
  let state: 'new' | 'listening' | 'closed' = 'new'

  const close = async (): Promise<void> => {
    if (state === 'closed') return
    state = 'closed'
    hub.stop()
    await Promise.all([tcp.close(closeGraceMs), web.close(closeGraceMs)])
  }

  return {
    hub,
    tcp,
    web,
    close,
    async listen ({ port, webPort = 0, host = '127.0.0.1' }) {
      if (state !== 'new') throw new Error('a door server listens once; create a new one to listen again')
      state = 'listening'
      try {
        const tcpAddress = await listenTcp(tcp.server, port, host)
        const webAddress = await web.listen(webPort, host)
        // The sensor starts last: nothing is lost, clients that connect get the state when it arrives.
        hub.start()
        return { tcp: tcpAddress, web: webAddress }
      } catch (err) {
        await close()
        throw err
      }
    },
    snapshot: () => hub.snapshot()
  }
}
