import type { FastifyBaseLogger } from 'fastify'
import { assertNumberOption, type ReconnectOptions } from '@eventwire/protocol'
import type { HttpLimits, ServerTls } from '@eventwire/kit'
import { upstreamTlsOptions, type StatusTlsOptions, type UpstreamTls } from './upstream-tls.js'

/** Defaults of the options below; src/config.ts (so --help) and the README show these. */
export const DEFAULT_TIMEOUT_MS = 2000
export const DEFAULT_MAX_IN_FLIGHT = 1000
export const DEFAULT_CONNECTIONS = 2
/** Below status-server's 10 s first-request deadline, so an unused link is not closed as idle. */
export const DEFAULT_PROBE_INTERVAL_MS = 5000
/** 0: no limit per connection (pipelined), for our status-server. */
export const DEFAULT_PIPELINE = 0
/** The default closeGraceMs is timeoutMs plus this: every lookup is settled within timeoutMs, then flushed. */
export const CLOSE_GRACE_MARGIN_MS = 500

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
  probeIntervalMs?: number
  /**
   * How long close() lets connections finish before destroying them: HTTP
   * connections still open this long into the drain, then each upstream link
   * that status-server has not closed this long after our FIN. Default
   * timeoutMs + 500 (CLOSE_GRACE_MARGIN_MS): a lookup in flight still gets its reply or its 504.
   */
  closeGraceMs?: number
  /** Backoff between reconnection attempts. Default: 100 ms doubling to 2 s, jitter 0.5, connect timeout 5 s. */
  reconnect?: ReconnectOptions
  /** A pino logger (fastify's loggerInstance). Default: no logging. */
  logger?: FastifyBaseLogger
  /** Log every request and response (fastify's default). Default false: two log lines per request halve throughput. */
  logRequests?: boolean
  /** Header, request and keep-alive timeouts and the connection cap of the HTTP server. Default: @eventwire/kit's DEFAULT_HTTP_LIMITS. */
  httpLimits?: HttpLimits
  /** Certificate and key (PEM): the HTTP port speaks HTTPS (a plain HTTP request gets a 400 saying so). Default: plain HTTP. */
  tls?: ServerTls
  /**
   * Reach status-server over TLS, verifying its certificate against Node's CAs
   * or `ca`; the name checked is statusHost (or `servername`). `true`: with
   * the defaults. Default false: plain TCP.
   */
  statusTls?: boolean | StatusTlsOptions
}

/** What the pool and the close path need, defaults filled in. */
export interface ResolvedBridgeOptions {
  host: string
  port: number
  timeoutMs: number
  maxInFlight: number
  connections: number
  probeIntervalMs: number
  pipeline: number
  closeGraceMs: number
  reconnect: ReconnectOptions
  /** How the links open TLS to status-server; null: plain TCP. */
  tls: UpstreamTls | null
}

/** The options with their defaults, each checked (ProtocolError ERR_INVALID_OPTION naming the option). */
export function resolveBridgeOptions (options: BridgeOptions): ResolvedBridgeOptions {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const resolved: ResolvedBridgeOptions = {
    host: options.statusHost,
    port: options.statusPort,
    timeoutMs,
    maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    connections: options.connections ?? DEFAULT_CONNECTIONS,
    probeIntervalMs: options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS,
    pipeline: options.pipeline ?? DEFAULT_PIPELINE,
    closeGraceMs: options.closeGraceMs ?? timeoutMs + CLOSE_GRACE_MARGIN_MS,
    reconnect: { initialDelayMs: 100, maxDelayMs: 2000, connectTimeoutMs: 5000, ...options.reconnect },
    tls: null
  }
  const whole = { integer: true }
  assertNumberOption('statusPort', resolved.port, 1, { integer: true, max: 65535 })
  assertNumberOption('timeoutMs', resolved.timeoutMs, 1, whole)
  assertNumberOption('maxInFlight', resolved.maxInFlight, 1, whole)
  assertNumberOption('connections', resolved.connections, 1, whole)
  assertNumberOption('probeIntervalMs', resolved.probeIntervalMs, 1, whole)
  assertNumberOption('pipeline', resolved.pipeline, 0, whole)
  assertNumberOption('closeGraceMs', resolved.closeGraceMs, 0, whole)
  // The handshake counts as part of connecting: it gets the same deadline.
  resolved.tls = upstreamTlsOptions(options.statusHost, options.statusTls, resolved.reconnect.connectTimeoutMs ?? 5000)
  return resolved
}
