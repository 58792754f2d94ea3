import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { fastifyHttpLimits } from '@eventwire/kit'
import type { AppMetrics } from '@eventwire/kit/metrics'
import type { Health } from '@eventwire/kit'
import { createBridgeOps } from './bridge-ops.js'
import { resolveBridgeOptions, type BridgeOptions } from './options.js'
import { registerRoutes } from './routes.js'
import { UpstreamPool, type UpstreamState } from './upstream-pool.js'

export {
  CLOSE_GRACE_MARGIN_MS,
  DEFAULT_CONNECTIONS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_PIPELINE,
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  type BridgeOptions
} from './options.js'

export interface BridgeListenOptions {
  /** 0 picks a free port. */
  port: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface Bridge {
  /** The fastify instance, routes registered; `app.inject()` works before listen. */
  readonly app: FastifyInstance
  /** True while at least one connection to status-server is up (what /readyz reports). */
  readonly upstreamReady: boolean
  /** Connections up, lookups in flight. */
  readonly upstream: UpstreamState
  /** Liveness and readiness, as `GET /healthz` and `GET /readyz` answer them. */
  readonly health: Health
  /** This bridge's metrics (`metrics.registry`, its own prom-client Registry), as `GET /metrics` answers them. */
  readonly metrics: AppMetrics
  /** Resolves once a connection to status-server is up; rejects after timeoutMs (default 5000). */
  waitForUpstream: (timeoutMs?: number) => Promise<void>
  /** Listens and resolves with the bound address. */
  listen: (options: BridgeListenOptions) => Promise<AddressInfo>
  /**
   * Graceful: stop accepting, let in-flight requests finish (reply or timeout),
   * then end the upstream links. HTTP connections still open closeGraceMs into
   * the drain are closed, and links status-server has not closed closeGraceMs
   * after our FIN are destroyed, so the drain is bounded.
   */
  close: () => Promise<void>
}

/**
 * Builds the HTTP bridge: `GET /status/404` (or `/?statusCode=404`) asks
 * status-server over persistent (by default pipelined) TCP connections and answers
 * `{"code":404,"data":"Code 404: ..."}`. Connecting starts at once; nothing
 * listens for HTTP until `listen()`.
 */
export function createBridge (options: BridgeOptions): Bridge {
  const settings = resolveBridgeOptions(options)
  const app = Fastify({
    // Slowloris: a client that sends its headers a byte a second is cut off in a stated time.
    // With options.tls, HTTPS; a plain HTTP request gets a 400 saying to use https.
    ...fastifyHttpLimits(options.httpLimits, options.tls),
    // The server comes from the factory above; this only makes fastify's own log line and listeningOrigin say https://.
    ...(options.tls === undefined ? {} : { https: true as const }),
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    logController: new LogController({ disableRequestLogging: options.logRequests !== true })
  })
  const ops = createBridgeOps(app.server)
  const pool = new UpstreamPool({ ...settings, logger: app.log, stats: ops.upstream })
  ops.watch(pool)
  let closing: Promise<void> | null = null
  registerRoutes(app, pool, () => closing !== null, ops)
  // onClose runs after fastify has finished the in-flight requests, which still need the pool.
  app.addHook('onClose', async () => { await pool.close() })

  return {
    app,
    get upstreamReady () {
      return pool.ready
    },
    get upstream () {
      return pool.state
    },
    health: ops.health,
    metrics: ops.metrics,
    async waitForUpstream (waitMs = 5000) {
      const deadline = Date.now() + waitMs
      while (!pool.ready) {
        if (Date.now() >= deadline) throw new Error(`status-server at ${settings.host}:${settings.port} not reachable within ${waitMs} ms`)
        await sleep(10)
      }
    },
    async listen ({ port, host = '127.0.0.1' }) {
      await app.listen({ port, host })
      ops.health.markListening()
      return app.server.address() as AddressInfo
    },
    close () {
      ops.health.markDraining()
      closing ??= drain(app, settings.closeGraceMs)
      return closing
    }
  }
}

/**
 * Closes fastify (in-flight requests finish, then the onClose hook ends the
 * links) within a grace period for the HTTP connections. Node's server.close()
 * ends the connections idle at that moment, and those busy with a lookup get
 * `Connection: close` on their reply; a connection a client opened and never
 * used (undici pre-connects) would hold the drain until the client's
 * keep-alive ends. Node tracks its connections already (and knows which are
 * idle, which a second list would not), so the grace period here is one timer
 * around its closeAllConnections().
 */
async function drain (app: FastifyInstance, closeGraceMs: number): Promise<void> {
  const reaper = setTimeout(() => app.server.closeAllConnections(), closeGraceMs)
  try {
    await app.close()
  } finally {
    clearTimeout(reaper)
  }
}
