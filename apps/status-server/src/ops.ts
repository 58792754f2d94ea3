import type http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createOpsServer, Health, type ConnectionSet, type ServerTls } from '@eventwire/kit'
import { AppMetrics, TransportMetrics, TransportStats } from '@eventwire/kit/metrics'
import { listen as listenOn } from '@eventwire/service'
import type { StatusConnection } from './connection.js'

/** Why a connection was refused at accept (label `reason` of eventwire_connections_refused_total). */
export const RefusalReasons = { PER_ADDRESS: 'per_address_limit', FULL: 'max_connections', SHUTTING_DOWN: 'shutting_down' } as const
/** Why the server closed a connection itself (label `reason` of eventwire_connections_dropped_total). */
export const DropReasons = { LINE_TOO_LONG: 'line_too_long', IDLE: 'idle_timeout', FIRST_REQUEST: 'first_request_timeout', INPUT_ERROR: 'input_error' } as const

export interface StatusOps {
  readonly health: Health
  readonly metrics: AppMetrics
  /** What the connections count into: plain numbers, read at scrape time. */
  readonly stats: TransportStats
  /** Listens for the admin HTTP routes (`GET /healthz`, `/readyz`, `/metrics`). */
  listen: (port: number, host: string) => Promise<AddressInfo>
  /** Stops the admin listener: idle connections end now, busy ones after their answer (`hard`: all at once). */
  close: (hard?: boolean) => Promise<void>
}

/**
 * The status-server's operations side: readiness (listening, not draining,
 * a free connection slot), the per-instance metrics over its served and
 * refused sockets, and the admin HTTP server they are answered on. The admin
 * server is built here but listens only when asked (`listenAdmin()`).
 */
export interface StatusOpsOptions {
  maxConnections: number
  /** Slots taken: the served connections and, on a TLS port, the admitted ones still in their handshake. */
  slotsTaken: () => number
  /** The admin port speaks HTTPS with it (as the TCP port speaks TLS). */
  tls: ServerTls | undefined
}

export function createStatusOps (served: ConnectionSet<StatusConnection>, refused: ConnectionSet<Socket>, { maxConnections, slotsTaken, tls }: StatusOpsOptions): StatusOps {
  const stats = new TransportStats({ refused: Object.values(RefusalReasons), dropped: Object.values(DropReasons) })
  const health = new Health({
    checks: [() => {
      const connections = { open: served.size, max: maxConnections }
      // Full: new connections are refused, so a load balancer should send them elsewhere.
      if (slotsTaken() >= maxConnections) return { ready: false, code: 'ERR_AT_CAPACITY', message: `serving ${maxConnections} connections, its limit; new ones are refused`, details: { connections } }
      return { ready: true, details: { connections } }
    }]
  })
  const metrics = new AppMetrics()
  metrics.readiness(health)
  new TransportMetrics(metrics).add({
    transport: 'tcp',
    stats,
    counts: ['accepted', 'bytes', 'framesIn', 'framesOut'],
    open: () => served.size,
    sockets: () => sockets(served, refused),
    queuedBytes: () => queued(served)
  })
  const server: http.Server = createOpsServer({ health, metrics }, undefined, tls)
  let closing: Promise<void> | null = null
  return {
    health,
    metrics,
    stats,
    listen: async (port, host) => await listenOn(server, port, host),
    close: (hard = false) => {
      if (hard) server.closeAllConnections()
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve()
          return
        }
        server.close(() => resolve())
        // Scrapers keep connections alive: end the idle ones now, the rest after their answer.
        server.closeIdleConnections()
      })
      return closing
    }
  }
}

function * sockets (served: ConnectionSet<StatusConnection>, refused: ConnectionSet<Socket>): Iterable<Socket> {
  for (const connection of served) yield connection.socket
  yield * refused
}

function * queued (served: ConnectionSet<StatusConnection>): Iterable<number> {
  for (const connection of served) yield connection.socket.writableLength
}
