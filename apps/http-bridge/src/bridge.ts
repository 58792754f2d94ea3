import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { ReconnectOptions } from '@eventwire/protocol'
import { fastifyHttpLimits, type HttpLimits } from '@eventwire/kit'
import { registerRoutes } from './routes.js'
import { UpstreamPool, type UpstreamPoolOptions, type UpstreamState } from './upstream-pool.js'
import type { AppLogger } from '@eventwire/protocol'

/** Defaults of the options below; main.ts's --help and the README show these. */
export const DEFAULT_TIMEOUT_MS = 2000
export const DEFAULT_MAX_IN_FLIGHT = 1000
export const DEFAULT_CONNECTIONS = 2
/** Below status-server's 10 s first-request deadline, so an unused link is not closed as idle. */
export const DEFAULT_KEEP_ALIVE_MS = 5000
/** 0: no limit per connection (pipelined), for our status-server. */
export const DEFAULT_PIPELINE = 0

export interface BridgeOptions {
  /** status-server host. */
  statusHost: string
  /** status-server port. */
  statusPort: number
  /** No reply within this long: 504. Default 2000. */
  timeoutMs?: number
  /** Lookups waiting for status-server across all connections; one more gets 503. Default 1000. */
  maxInFlight?: number
  /** Persistent connections to status-server. Default 2. */
  connections?: number
  /**
   * Requests in flight per connection. 0 (default): no limit, pipelined, as our
   * status-server allows. 1: one at a time, for servers that answer once per
   * read (the tutorial's), so replies cannot be mismatched; a reply may then
   * also end without a newline (it is complete after 50 ms of quiet). Other
   * lookups wait in the bridge, in order, within maxInFlight and timeoutMs.
   */
  pipeline?: number
  /**
   * An idle connection is probed this often, which keeps it under the server's
   * idle timeout and its first-request deadline (status-server: 10 s). Default 5000.
   */
  keepAliveMs?: number
  /** Backoff between reconnection attempts. Default: 100 ms doubling to 2 s, jitter 0.5, connect timeout 5 s. */
  reconnect?: ReconnectOptions
  /** A pino logger (fastify's loggerInstance). Default: no logging. */
  logger?: FastifyBaseLogger
  /** Log every request and response (fastify's default). Default false: two log lines per request halve throughput. */
  logRequests?: boolean
  /** Header, request and keep-alive timeouts and the connection cap of the HTTP server. Default: @eventwire/kit's DEFAULT_HTTP_LIMITS. */
  httpLimits?: HttpLimits
}

export interface Bridge {
  /** The fastify instance, routes registered; `app.inject()` works before listen. */
  readonly app: FastifyInstance
  /** True while at least one connection to status-server is up (what /readyz reports). */
  readonly upstreamReady: boolean
  /** Connections up, lookups in flight. */
  readonly upstream: UpstreamState
  /** Resolves once a connection to status-server is up; rejects after timeoutMs (default 5000). */
  waitForUpstream: (timeoutMs?: number) => Promise<void>
  /** Listens on host (default 127.0.0.1), port 0 picks a free one; resolves with the bound address. */
  listen: (port: number, host?: string) => Promise<AddressInfo>
  /**
   * Graceful: stop accepting, let in-flight requests finish (reply or timeout),
   * then drop the upstream links. Connections still open timeoutMs + 500 ms
   * later are closed, so the drain is bounded.
   */
  close: () => Promise<void>
}

function checkNumber (name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`option ${name} must be an integer >= ${min}, got ${String(value)}`)
  return value
}

/** The pool's options from the bridge's, defaults filled in and checked. */
function poolOptions (options: BridgeOptions, timeoutMs: number, logger: AppLogger): UpstreamPoolOptions {
  return {
    host: options.statusHost,
    port: checkNumber('statusPort', options.statusPort, 1),
    timeoutMs,
    maxInFlight: checkNumber('maxInFlight', options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, 1),
    connections: checkNumber('connections', options.connections ?? DEFAULT_CONNECTIONS, 1),
    keepAliveMs: checkNumber('keepAliveMs', options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS, 1),
    pipeline: checkNumber('pipeline', options.pipeline ?? DEFAULT_PIPELINE, 0),
    reconnect: { initialDelayMs: 100, maxDelayMs: 2000, connectTimeoutMs: 5000, ...options.reconnect },
    logger
  }
}

/**
 * Builds the HTTP bridge: `GET /status/404` (or `/?statusCode=404`) asks
 * status-server over persistent (by default pipelined) TCP connections and answers
 * `{"code":404,"data":"Code 404: ..."}`. Connecting starts at once; nothing
 * listens for HTTP until `listen()`.
 */
export function createBridge (options: BridgeOptions): Bridge {
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1)
  const app = Fastify({
    // Slowloris: a client that sends its headers a byte a second is cut off in a stated time.
    ...fastifyHttpLimits(options.httpLimits),
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    logController: new LogController({ disableRequestLogging: options.logRequests !== true })
  })
  const pool = new UpstreamPool(poolOptions(options, timeoutMs, app.log))
  let closing: Promise<void> | null = null
  registerRoutes(app, pool, () => closing !== null)
  // onClose runs after fastify has finished the in-flight requests, which still need the pool.
  app.addHook('onClose', (_instance, done) => {
    pool.close()
    done()
  })

  return {
    app,
    get upstreamReady () {
      return pool.ready
    },
    get upstream () {
      return pool.state
    },
    async waitForUpstream (waitMs = 5000) {
      const deadline = Date.now() + waitMs
      while (!pool.ready) {
        if (Date.now() >= deadline) throw new Error(`status-server at ${options.statusHost}:${options.statusPort} not reachable within ${waitMs} ms`)
        await sleep(10)
      }
    },
    async listen (port, host = '127.0.0.1') {
      await app.listen({ port, host })
      return app.server.address() as AddressInfo
    },
    close () {
      closing ??= (async () => {
        // Node's server.close() reaps connections idle at that moment, but not one a
        // client opened and never used (undici pre-connects), which would hold the
        // drain until the client's keep-alive ends. Every lookup is settled within
        // timeoutMs, so past that (plus a margin to flush) nothing useful is left.
        const reaper = setTimeout(() => app.server.closeAllConnections(), timeoutMs + 500)
        try {
          await app.close()
        } finally {
          clearTimeout(reaper)
        }
      })()
      return closing
    }
  }
}
