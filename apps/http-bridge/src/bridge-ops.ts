import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { Health } from '@eventwire/kit'
import { AppMetrics, LatencyHistogram, TransportMetrics, TransportStats, type HistogramSeries } from '@eventwire/kit/metrics'
import { FAILURES, FailureCodes, type FailureCode, type LookupFailure } from './failures.js'
import type { UpstreamPool } from './upstream-pool.js'

/** Why the bridge closed a link itself (label `reason` of eventwire_connections_dropped_total{transport="upstream"}). */
export const LinkDropReasons = { MISMATCH: 'reply_mismatch', TOO_LONG: 'reply_too_long', UNRESPONSIVE: 'unresponsive', INPUT_ERROR: 'input_error' } as const

/** What a lookup can end in: `ok`, or a failure code (every code of the table but the 404 of an unknown route). */
const OUTCOMES = ['ok', ...Object.keys(FAILURES).filter((code) => code !== FailureCodes.NOT_FOUND)] as const

/** Counts lookups and their latency; record() is a map update and an array increment, nothing allocated. */
export class LookupMetrics {
  readonly #counts = new Map<string, number>(OUTCOMES.map((outcome) => [outcome, 0]))
  readonly #ok: HistogramSeries
  readonly #error: HistogramSeries

  constructor (metrics: AppMetrics) {
    metrics.counter({ name: 'eventwire_bridge_lookups_total', help: 'lookups answered, by outcome: ok or the failure code (ERR_UPSTREAM_TIMEOUT, ...)', labelNames: ['outcome'], read: () => this.#samples() })
    const latency = new LatencyHistogram(metrics, {
      name: 'eventwire_bridge_lookup_duration_seconds',
      help: 'time from the HTTP request to the lookup\'s answer (reply or failure), seconds',
      label: { name: 'result', values: ['ok', 'error'] }
    })
    this.#ok = latency.series('ok')
    this.#error = latency.series('error')
  }

  /** One lookup done, `startedAt` from performance.now(). */
  record (failure: LookupFailure | null, startedAt: number): void {
    const seconds = (performance.now() - startedAt) / 1000
    const outcome: FailureCode | 'ok' = failure === null ? 'ok' : failure.code
    this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + 1)
    if (failure === null) this.#ok.observe(seconds)
    else this.#error.observe(seconds)
  }

  * #samples (): Iterable<[Record<string, string>, number]> {
    for (const [outcome, value] of this.#counts) yield [{ outcome }, value]
  }
}

export interface BridgeOps {
  readonly health: Health
  readonly metrics: AppMetrics
  readonly lookups: LookupMetrics
  /** The upstream links' counters (frames, bytes, drops), shared by every link. */
  readonly upstream: TransportStats
  /** Call once the pool exists: readiness and the gauges read it. */
  watch: (pool: UpstreamPool) => void
}

/**
 * The bridge's operations side: readiness (listening, a link to status-server
 * up: the /readyz body the bridge always had), and its metrics: the HTTP
 * connections (counted on the server's own 'connection' and 'drop' events),
 * the upstream links, lookups by outcome with their latency, the queue depths.
 */
export function createBridgeOps (server: Server): BridgeOps {
  const health = new Health()
  const metrics = new AppMetrics()
  metrics.readiness(health)
  const transports = new TransportMetrics(metrics)
  transports.add({ transport: 'http', ...httpConnections(server), counts: ['accepted', 'bytes'] })
  const upstream = new TransportStats({ dropped: Object.values(LinkDropReasons) })
  const lookups = new LookupMetrics(metrics)
  return {
    health,
    metrics,
    lookups,
    upstream,
    watch: (pool) => {
      health.addCheck(() => {
        const state = pool.state
        if (state.connected > 0) return { ready: true, details: { upstream: state } }
        return { ready: false, code: FailureCodes.UPSTREAM_DOWN, message: pool.downReason, retryAfterSeconds: FAILURES.ERR_UPSTREAM_DOWN.retryAfterSeconds, details: { upstream: state } }
      })
      transports.add({ transport: 'upstream', stats: upstream, counts: ['bytes', 'framesIn', 'framesOut'], open: () => pool.state.connected, sockets: () => pool.sockets() })
      poolGauges(metrics, pool)
    }
  }
}

/** The HTTP side's connections, from the server's events: one Set entry per connection, no per-request work. */
function httpConnections (server: Server): { stats: TransportStats, open: () => number, sockets: () => Iterable<Socket> } {
  const stats = new TransportStats({ refused: ['max_connections'] })
  const live = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    stats.accepted++
    live.add(socket)
    socket.once('close', () => {
      live.delete(socket)
      stats.socketClosed(socket)
    })
  })
  // Node drops a connection past server.maxConnections (the kit's httpLimits) at accept.
  server.on('drop', () => stats.refuse('max_connections'))
  return { stats, open: () => live.size, sockets: () => live }
}

function poolGauges (metrics: AppMetrics, pool: UpstreamPool): void {
  metrics.gauge({ name: 'eventwire_bridge_lookups_in_flight', help: 'lookups on the wire to status-server now (timed-out placeholders included)', read: () => pool.state.inFlight - pool.waitingCount })
  metrics.gauge({ name: 'eventwire_bridge_lookups_waiting', help: 'lookups waiting in the bridge for a link with room (BRIDGE_PIPELINE set)', read: () => pool.waitingCount })
  metrics.gauge({ name: 'eventwire_bridge_max_in_flight', help: 'BRIDGE_MAX_IN_FLIGHT: past in-flight plus waiting, lookups get 503 ERR_QUEUE_FULL', read: () => pool.state.maxInFlight })
  metrics.gauge({ name: 'eventwire_bridge_upstream_links', help: 'links to status-server by state: connected, connecting, reconnecting, unreachable', labelNames: ['state'], read: () => pool.linkStates() })
  metrics.counter({ name: 'eventwire_bridge_upstream_connects_total', help: 'connections to status-server opened', read: () => pool.linkTotals().connects })
  metrics.counter({ name: 'eventwire_bridge_upstream_losses_total', help: 'connections to status-server lost (reset, closed by it, or reopened by the bridge)', read: () => pool.linkTotals().losses })
}
