import { Health } from '@eventwire/kit'
import { AppMetrics, TransportMetrics, type TransportMeasure } from '@eventwire/kit/metrics'
import type { ChatCluster } from '../cluster/chat-cluster.js'
import { clusterHealth, clusterReadiness } from '../cluster/health.js'
import type { ChatRoom } from '../core/room.js'
import type { ChatTransportStats } from './transport-stats.js'

/** What each transport shows the metrics: its counters and its open connections. */
export interface MeteredTransport {
  readonly stats: ChatTransportStats
  readonly connections: number
}

/** The three transports by their `transport` label. */
export interface ChatTransports {
  tcp: MeteredTransport
  irc: MeteredTransport
  ws: MeteredTransport
}

export interface ChatOps {
  /** `GET /healthz` and `GET /readyz`. */
  readonly health: Health
  /** `GET /metrics`: this server's own Registry, then the process's metrics. */
  readonly metrics: AppMetrics
}

/**
 * Lines out are not counted: one event may be several lines (a history, /help),
 * and counting them would mean scanning every write. Events out are
 * eventwire_messages_delivered_total.
 */
const COUNTS: readonly TransportMeasure[] = ['accepted', 'bytes', 'framesIn', 'messages']

/**
 * The chat server's operations side, in every mode: liveness with the member
 * counts, readiness (every port listening; in cluster mode the Redis link up,
 * its state in both bodies), and the metrics of the three transports, the
 * room and, in cluster mode, the Redis link. Everything is read at scrape
 * time from counters the transports already keep.
 */
export function createChatOps (room: ChatRoom, transports: ChatTransports, cluster: ChatCluster | undefined): ChatOps {
  const { tcp, ws } = transports
  const health = new Health({
    // The body /healthz has always had (members, tcp, ws), and the link's state in cluster mode.
    liveness: () => ({ ...clusterHealth(cluster), members: room.size, tcp: tcp.connections, ws: ws.connections }),
    checks: cluster === undefined ? [] : [() => clusterReadiness(cluster)]
  })
  const metrics = new AppMetrics()
  metrics.readiness(health)
  const connections = new TransportMetrics(metrics)
  for (const [transport, source] of Object.entries(transports) as Array<[string, MeteredTransport]>) {
    connections.add({ transport, stats: source.stats, counts: COUNTS, open: () => source.connections, sockets: () => source.stats.sockets(), queuedBytes: () => source.stats.queuedBytes() })
  }
  roomMetrics(metrics, room, Object.keys(transports))
  if (cluster !== undefined) {
    metrics.gauge({ name: 'eventwire_redis_up', help: 'cluster mode: 1 while the Redis link is ready, else 0 (connecting or down)', read: () => cluster.state === 'ready' ? 1 : 0 })
  }
  return { health, metrics }
}

/** The room as this instance holds it: members by transport, messages kept for replay. */
function roomMetrics (metrics: AppMetrics, room: ChatRoom, kinds: readonly string[]): void {
  metrics.gauge({ name: 'eventwire_chat_members', help: 'room members connected to this instance, by transport (IRC clients once registered)', labelNames: ['transport'], read: () => membersByTransport(room, kinds) })
  metrics.gauge({ name: 'eventwire_chat_history_messages', help: 'messages kept for the replay a joining member gets', read: () => room.history().length })
}

/** One pass over the members per scrape; every transport is reported, at 0 too. */
function membersByTransport (room: ChatRoom, kinds: readonly string[]): Array<[Record<string, string>, number]> {
  const counts = new Map<string, number>(kinds.map((kind) => [kind, 0]))
  for (const member of room.members.values()) {
    const kind = member.transport.kind
    counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  return [...counts].map(([transport, n]) => [{ transport }, n])
}
