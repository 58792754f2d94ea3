import { assertNumberOption } from '@eventwire/protocol'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { closeIdleSockets } from './idle-sockets.js'
import { refusePlainText, type ServerTls } from './tls.js'

/**
 * Limits every HTTP server of the apps runs with, so a slow or idle client
 * (slowloris: headers one byte a second) is cut off within a stated time and a
 * pile of idle sockets cannot exhaust the process's file descriptors.
 */
export interface HttpLimits {
  /** A client must send its complete request headers (a WebSocket handshake too) within this. Default 10 s. */
  headersTimeoutMs?: number
  /** The whole request, body included, within this. Default 30 s. */
  requestTimeoutMs?: number
  /** A keep-alive connection idle for this long between requests is closed. Default 5 s. */
  keepAliveTimeoutMs?: number
  /**
   * A connection that sends nothing for this long is closed, including one that
   * never sent a byte (the header timeout only starts with the first byte).
   * Checked by one sweep a tenth of this often (at most 1 s), so a connection may
   * be closed that much later. Upgraded WebSockets are not affected. Default 10 s.
   */
  idleTimeoutMs?: number
  /**
   * Connections open at once, upgraded WebSockets included (Node counts them);
   * past it new ones are closed at accept. Default: what this process's file
   * descriptor limit leaves room for (the soft limit less 128 for everything
   * else), at least 256; 1000 where the limit cannot be read.
   */
  maxConnections?: number
}

/** The soft `Max open files` of this process (Linux /proc), or null elsewhere. */
function openFilesLimit (): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isInteger(soft) && soft > 0 ? soft : null
  } catch {
    return null
  }
}

/** A cap that keeps descriptors for the rest of the process: 1024 → 896, 20000 → 19872. */
export function defaultMaxConnections (limit = openFilesLimit()): number {
  return limit === null ? 1000 : Math.max(256, limit - 128)
}

export const DEFAULT_HTTP_LIMITS: Readonly<Required<HttpLimits>> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
  maxConnections: defaultMaxConnections()
})

/** Node checks header and request deadlines on an interval; a fifth of the header timeout bounds the lateness. */
function checkingIntervalMs (limits: Required<HttpLimits>): number {
  return Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 5)))
}

/** Fills in the defaults and checks the values; throws ERR_INVALID_OPTION naming a bad one. */
export function resolveHttpLimits (limits: HttpLimits = {}): Required<HttpLimits> {
  const resolved = { ...DEFAULT_HTTP_LIMITS, ...limits }
  for (const [name, value] of Object.entries(resolved)) assertNumberOption(`httpLimits.${name}`, value, 1, { integer: true })
  assertNumberOption('httpLimits.requestTimeoutMs', resolved.requestTimeoutMs, resolved.headersTimeoutMs, { integer: true })
  return resolved
}

/**
 * An `http.Server` with the limits applied, for code that builds its own server;
 * with `tls`, an HTTPS one (WebSocket upgrades become WSS) that answers a
 * plain-HTTP request with a 400 saying to use https instead of a reset.
 */
export function createLimitedHttpServer (handler: http.RequestListener, limits?: HttpLimits, tls?: ServerTls): http.Server {
  const l = resolveHttpLimits(limits)
  const options: http.ServerOptions = {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkingIntervalMs(l)
  }
  const server = tls === undefined ? http.createServer(options, handler) : createHttpsServer(options, tls, l.idleTimeoutMs, handler)
  server.maxConnections = l.maxConnections
  // Not server.setTimeout(): one sweep for every connection costs nothing per request (see closeIdleSockets).
  closeIdleSockets(server, l.idleTimeoutMs, tls !== undefined)
  return server
}

function createHttpsServer (options: http.ServerOptions, tls: ServerTls, idleTimeoutMs: number, handler: http.RequestListener): http.Server {
  const server = https.createServer({ ...options, ...tls }, handler)
  // A silent connection is closed like on plain HTTP (idleTimeoutMs), before the TLS handshake could even start.
  refusePlainText(server, { silentMs: idleTimeoutMs, message: (why) => why === 'silent' ? null : PLAIN_HTTP_ANSWER })
  // https.Server is an http.Server for everything fastify and ws use (request, upgrade, close).
  return server as unknown as http.Server
}

const PLAIN_HTTP_BODY = JSON.stringify({ statusCode: 400, code: 'ERR_TLS_REQUIRED', error: 'Bad Request', message: 'this port speaks HTTPS: use https:// (and wss:// for WebSockets)' })
const PLAIN_HTTP_ANSWER = `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(PLAIN_HTTP_BODY)}\r\nconnection: close\r\n\r\n${PLAIN_HTTP_BODY}`

/**
 * Options to spread into `Fastify({ ...fastifyHttpLimits(), ... })`: fastify
 * then builds its server through createLimitedHttpServer (HTTPS with `tls`).
 */
export function fastifyHttpLimits (limits?: HttpLimits, tls?: ServerTls): { serverFactory: (handler: http.RequestListener) => http.Server } {
  const resolved = resolveHttpLimits(limits)
  return { serverFactory: (handler) => createLimitedHttpServer(handler, resolved, tls) }
}
