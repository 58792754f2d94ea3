import { Health } from '@eventwire/kit'
import { AppMetrics, TransportMetrics } from '@eventwire/kit/metrics'
import { ErrorCodes, isProtocolError } from '@eventwire/protocol'
import { clusterReadiness } from './cluster/health.js'
import type { DoorBus } from './door-bus.js'
import { isSharedDoorBus } from './door-hub.js'
import type { TcpBroadcast } from './tcp-broadcast.js'
import type { WebDashboard } from './web-dashboard.js'

/** Why the server closed a client itself (label `reason` of eventwire_connections_dropped_total). */
export const DoorDropReasons = { NOT_READING: 'not_reading', BAD_INPUT: 'bad_input', HEARTBEAT: 'heartbeat_timeout' } as const

/** The drop reason of a TCP client's error, null for what is the client's own doing (a reset). */
export function dropReasonOf (err: Error): string | null {
  if (isProtocolError(err, ErrorCodes.QUEUE_FULL)) return DoorDropReasons.NOT_READING
  if (isProtocolError(err, ErrorCodes.HEARTBEAT_TIMEOUT)) return DoorDropReasons.HEARTBEAT
  const code = (err as { code?: unknown }).code
  if (code === ErrorCodes.FRAME_TOO_LARGE || code === ErrorCodes.INVALID_JSON || code === ErrorCodes.INVALID_FRAME || code === ErrorCodes.RESERVED_EVENT) return DoorDropReasons.BAD_INPUT
  return null
}

export interface DoorOps {
  readonly health: Health
  readonly metrics: AppMetrics
}

/**
 * The door's operations side, in every mode: readiness (both ports listening;
 * in cluster mode the Redis link up, its state in the bodies) and the metrics
 * of the TCP clients, the browsers, the door itself and, in cluster mode, the
 * Redis link and the outbox.
 */
export function createDoorOps (bus: DoorBus, tcp: TcpBroadcast, web: WebDashboard): DoorOps {
  const shared = isSharedDoorBus(bus) ? bus : null
  const health = shared === null
    ? new Health()
    : new Health({ liveness: () => shared.health(), checks: [() => clusterReadiness(shared)] })
  const metrics = new AppMetrics()
  metrics.readiness(health)
  const transports = new TransportMetrics(metrics)
  transports.add({ transport: 'tcp', stats: tcp.stats, counts: ['accepted', 'bytes', 'messages'], open: () => tcp.clientCount, sockets: () => tcp.sockets(), queuedBytes: () => tcp.queuedBytes() })
  transports.add({ transport: 'ws', stats: web.stats, counts: ['accepted', 'bytes', 'messages'], open: () => web.browserCount, sockets: () => web.sockets(), queuedBytes: () => web.queuedBytes() })
  // Counted by the TCP side, the bus's subscriber already: one more subscriber would be one more call per event.
  metrics.counter({ name: 'eventwire_door_events_total', help: 'door events the bus delivered to this instance, by event', labelNames: ['event'], read: () => Object.entries(tcp.eventsDelivered).map(([event, n]) => [{ event }, n] as const) })
  metrics.gauge({ name: 'eventwire_door_state', help: 'the door: 1 for its state (open or close), 0 for the other; no sample before the first reading', labelNames: ['state'], read: () => doorState(bus) })
  metrics.gauge({ name: 'eventwire_door_sensor_online', help: '1 while the sensor reports, 0 once it is declared offline', read: () => bus.snapshot().online ? 1 : 0 })
  if (shared !== null) {
    metrics.gauge({ name: 'eventwire_redis_up', help: 'cluster mode: 1 while the Redis link and the stream reader are up', read: () => shared.health().ready ? 1 : 0 })
    metrics.gauge({ name: 'eventwire_door_outbox_pending', help: 'cluster mode: events accepted here and waiting for Redis to take them', read: () => numberOr0(shared.health().pending) })
  }
  return { health, metrics }
}

function doorState (bus: DoorBus): Array<[Record<string, string>, number]> {
  const { door } = bus.snapshot()
  return door === null ? [] : [[{ state: 'open' }, door === 'open' ? 1 : 0], [{ state: 'close' }, door === 'close' ? 1 : 0]]
}

function numberOr0 (value: unknown): number {
  return typeof value === 'number' ? value : 0
}
