import net, { type AddressInfo, type Socket } from 'node:net'
import { ConnectionSet, stopListening } from '@eventwire/kit'
import { listen as listenOn } from '@eventwire/service'
import { StatusConnection } from './connection.js'
import { Admission, addressOf } from './admission.js'
import { resolveStatusOptions, type StatusServerOptions } from './options.js'
import { createStatusOps, type StatusOps } from './ops.js'

export {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_QUIET_REPLY_MS,
  type StatusServerOptions
} from './options.js'

export interface StatusListenOptions {
  /** 0 picks a free port. */
  port: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface StatusServer {
  /** The underlying server: listen with `listen()` below, or yourself. */
  readonly server: net.Server
  /** Connections being served now (refused ones not counted). */
  readonly connectionCount: number
  /** Liveness and readiness (listening, not draining, a free connection slot), as the admin port answers them. */
  readonly health: StatusOps['health']
  /** This instance's metrics (its own prom-client Registry in `metrics.registry`); `metrics.text()` is the scrape. */
  readonly metrics: StatusOps['metrics']
  /** Listens and resolves with the bound address. */
  listen: (options: StatusListenOptions) => Promise<AddressInfo>
  /** Listens for the admin HTTP routes `GET /healthz`, `GET /readyz` and `GET /metrics` (port 0: a free one). */
  listenAdmin: (options: StatusListenOptions) => Promise<AddressInfo>
  /**
   * Graceful close: stop accepting, flush the replies to everything already
   * read, end every connection, and resolve once all are closed (connections
   * still open `closeGraceMs` after they were ended are destroyed). /readyz
   * answers 503 during the drain; the admin listener closes after it.
   */
  close: () => Promise<void>
  /** Hard stop, as if the process died: stop accepting and reset every connection at once. */
  destroy: () => Promise<void>
}

/**
 * Builds the status-code TCP server: one status code per line in, one
 * `Code NNN: ...` (or `Error: ...`) line out, in request order, any number of
 * requests in flight per connection. Nothing listens until `listen()`.
 */
export function createStatusServer (options: StatusServerOptions = {}): StatusServer {
  const settings = resolveStatusOptions(options)
  const { logger } = settings
  const served = new ConnectionSet<StatusConnection>({
    end: (connection) => connection.shutdown(),
    destroy: (connection) => connection.socket.destroy(),
    closeGraceMs: settings.closeGraceMs
  })
  // Refusals are counted from the first connection on, after ops exists.
  const admission = new Admission({
    ...settings,
    // The refusal is one line sent: a frame out too.
    onRefused: (reason) => {
      ops.stats.refuse(reason)
      ops.stats.framesOut++
    }
  })
  const ops = createStatusOps(served, admission.refused, settings.maxConnections)
  const { stats } = ops
  const connectionOptions = {
    ...settings,
    stats,
    onClose: (connection: StatusConnection) => {
      served.delete(connection)
      admission.release(connection.remoteAddress)
    }
  }

  const server = net.createServer({ allowHalfOpen: true, noDelay: true })
  server.on('connection', (socket: Socket) => {
    // Read once, at accept: remoteAddress is undefined once the socket has been reset.
    const address = addressOf(socket)
    // Before the connection's own 'close' listener removes it from the sets the scrape sums: its bytes move into the totals.
    socket.once('close', () => stats.socketClosed(socket))
    if (admission.admit(socket, address, served.size, served.closing)) {
      stats.accepted++
      served.add(new StatusConnection(socket, address, connectionOptions))
    }
  })
  // Listening errors (EADDRINUSE) reach listen()'s promise; this keeps a later one from crashing the process.
  server.on('error', (err) => logger.warn({ err: err.message }, 'status server error'))

  return {
    server,
    get connectionCount () {
      return served.size
    },
    health: ops.health,
    metrics: ops.metrics,
    listen: async ({ port, host = '127.0.0.1' }) => {
      const address = await listenOn(server, port, host)
      ops.health.markListening()
      return address
    },
    listenAdmin: async ({ port, host = '127.0.0.1' }) => await ops.listen(port, host),
    ...lifecycle(server, served, admission.refused, ops, () => logger.info({}, 'status server closed'))
  }
}

/**
 * close() and destroy() over the server's two sets of sockets: the served
 * (ended through StatusConnection.shutdown, which flushes the replies first)
 * and the refused (already ended). Both resolve once every socket has closed.
 */
function lifecycle (server: net.Server, served: ConnectionSet<StatusConnection>, refused: ConnectionSet<Socket>, ops: StatusOps, onClosed: () => void): Pick<StatusServer, 'close' | 'destroy'> {
  let closing: Promise<void> | null = null
  return {
    close: () => {
      ops.health.markDraining()
      // Each set: end every socket, destroy those still open closeGraceMs later. The admin port
      // answers (/readyz 503) until the drain is over.
      closing ??= Promise.all([stopListening(server), served.close(), refused.close()]).then(async () => await ops.close()).then(onClosed)
      return closing
    },
    destroy: async () => {
      // Every socket still open, served or refused, in its grace period or not: each gets its 'close' from this.
      for (const connection of served) reset(connection.socket)
      for (const socket of refused) reset(socket)
      ops.health.markDraining()
      await Promise.all([stopListening(server), served.whenEmpty(), refused.whenEmpty(), ops.close(true)])
    }
  }
}

/**
 * An RST, as if the process had died. A socket we have already ended (close()
 * running, a refusal) is destroyed instead: libuv refuses to reset a socket
 * while its FIN is being sent, and that socket would then never close.
 */
function reset (socket: Socket): void {
  if (socket.writableEnded) socket.destroy()
  else socket.resetAndDestroy()
}
