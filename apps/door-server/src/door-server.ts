import type { AddressInfo } from 'node:net'
import { listen as listenTcp } from '@eventwire/service'
import type { Health } from '@eventwire/kit'
import type { AppMetrics } from '@eventwire/kit/metrics'
import { registerOpsRoutes } from '@eventwire/kit/web'
import type { DoorBus } from './door-bus.js'
import { DoorHub } from './door-hub.js'
import { createDoorOps } from './door-ops.js'
import { resolveDoorOptions, type DoorServerOptions } from './door-options.js'
import { TcpBroadcast } from './tcp-broadcast.js'
import type { DoorSnapshot } from './types.js'
import { WebDashboard } from './web-dashboard.js'


export interface DoorListenOptions {
  /** TCP port for the event stream; 0 picks a free one. */
  port: number
  /** Dashboard port; 0 or omitted picks a free one. */
  webPort?: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface DoorServer {
  /** Turns sensor readings into events, published to `bus`. */
  readonly hub: DoorHub
  /** What the transports broadcast, and the door's current state. */
  readonly bus: DoorBus
  readonly tcp: TcpBroadcast
  readonly web: WebDashboard
  /** Liveness and readiness, as `GET /healthz` and `GET /readyz` on the web port answer them. */
  readonly health: Health
  /** This server's metrics (`metrics.registry`, its own prom-client Registry), as `GET /metrics` answers them. */
  readonly metrics: AppMetrics
  /** Starts the sensor and both listeners; resolves with the addresses really bound. */
  listen (options: DoorListenOptions): Promise<{ tcp: AddressInfo, web: AddressInfo }>
  /** Stops accepting, ends every client cleanly, stops the sensor and every timer. */
  close (): Promise<void>
  /** Current state, as the dashboard shows it. */
  snapshot (): DoorSnapshot
}

/** The two transports over the hub's bus, from the resolved options. */
function buildTransports (hub: DoorHub, o: ReturnType<typeof resolveDoorOptions>): { tcp: TcpBroadcast, web: WebDashboard } {
  const { logger } = o
  const queue = { maxQueueBytes: o.maxQueueBytes, queueGraceMs: o.queueGraceMs, queueHardCapBytes: o.queueHardCapBytes }
  const tcp = new TcpBroadcast(hub.bus, {
    ...queue,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    tcpKeepAliveMs: o.tcpKeepAliveMs,
    maxConnections: o.maxConnections,
    maxLineBytes: o.maxLineBytes,
    closeGraceMs: o.closeGraceMs,
    tls: o.tls,
    clientToken: o.clientToken,
    authTimeoutMs: o.authTimeoutMs,
    logger
  })
  const web = new WebDashboard(hub.bus, {
    ...queue,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    closeGraceMs: o.closeGraceMs,
    httpSensor: o.httpSensor,
    allowedOrigins: o.allowedOrigins,
    httpLimits: o.httpLimits,
    tls: o.tls,
    clientToken: o.clientToken,
    logger
  })
  return { tcp, web }
}

/**
 * Builds a door server: sensor → DoorHub → DoorBus → TCP clients
 * (remote-emitter frames) and browsers (WebSocket JSON). Nothing listens (and
 * no timer runs) until `listen()`. Bad numbers throw ERR_INVALID_OPTION.
 * The web port also answers `GET /healthz`, `GET /readyz` (with a shared bus,
 * `RedisDoorBus`, ready only while Redis is reachable) and `GET /metrics`.
 * The caller owns a bus it passed and closes it after the server.
 *
 * ```ts
 * const sensor = new ManualSensor()
 * const door = createDoorServer({ sensor })
 * const { tcp } = await door.listen({ port: 0 })
 * sensor.set('open')   // every client receives ["open",<ms>]
 * ```
 */
export function createDoorServer (options: DoorServerOptions): DoorServer {
  const o = resolveDoorOptions(options)
  const hub = new DoorHub(o.sensor, { offlineAfterMs: o.offlineAfterMs, logger: o.logger, bus: o.bus })
  const { tcp, web } = buildTransports(hub, o)
  const ops = createDoorOps(hub.bus, tcp, web)
  registerOpsRoutes(web.app, ops)
  let state: 'new' | 'listening' | 'closed' = 'new'

  const close = async (): Promise<void> => {
    if (state === 'closed') return
    state = 'closed'
    ops.health.markDraining()
    hub.stop()
    await Promise.all([tcp.close(), web.close()])
  }

  return {
    hub,
    bus: hub.bus,
    tcp,
    web,
    health: ops.health,
    metrics: ops.metrics,
    close,
    async listen ({ port, webPort = 0, host = '127.0.0.1' }) {
      if (state !== 'new') throw new Error('a door server listens once; create a new one to listen again')
      state = 'listening'
      try {
        const tcpAddress = await listenTcp(tcp.server, port, host)
        const webAddress = await web.listen(webPort, host)
        // The sensor starts last: nothing is lost, clients that connect get the state when it arrives.
        hub.start()
        ops.health.markListening()
        return { tcp: tcpAddress, web: webAddress }
      } catch (err) {
        await close()
        throw err
      }
    },
    snapshot: () => hub.snapshot()
  }
}
