import type net from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { ConnectionSet, createStreamServer, stopListening } from '@eventwire/kit'
import { listen as listenOn } from '@eventwire/service'
import { StatusConnection } from './connection.js'
import { Admission, addressOf } from './admission.js'
import { tlsRequiredReply } from './describe.js'
import { Handshakes } from './handshakes.js'
import { firstDeadlineMs, resolveStatusOptions, type StatusServerOptions } from './options.js'
import { createStatusOps, DropReasons, type StatusOps } from './ops.js'

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
  const first = firstDeadlineMs(settings)
  // TLS only: connections admitted at accept whose handshake is still running.
  const handshakes = new Handshakes({
    admittedMs: first.ms === 0 ? null : first.ms,
    refusedMs: settings.closeGraceMs,
    onTimeout: () => ops.stats.drop(first.firstRequest ? DropReasons.FIRST_REQUEST : DropReasons.IDLE)
  })
  const slotsTaken = (): number => served.size + handshakes.admitted
  const ops = createStatusOps(served, admission.refused, { maxConnections: settings.maxConnections, slotsTaken, tls: settings.tls })
  const { stats } = ops
  const connectionOptions = {
    ...settings,
    stats,
    onClose: (connection: StatusConnection) => served.delete(connection)
  }

  // Bytes are counted on the socket the protocol is spoken over (TLS: the decrypted ones), as the scrape sums them.
  const countBytes = (socket: Socket): void => { socket.once('close', () => stats.socketClosed(socket)) }
  const serve = (socket: Socket, tcp: Socket, address: string, acceptedAt: number): void => {
    countBytes(socket)
    stats.accepted++
    served.add(new StatusConnection(socket, address, connectionOptions, acceptedAt, tcp))
  }

  // Every TCP connection, TLS or not, is admitted or refused here, at accept.
  const onAccept = (tcp: Socket): void => {
    // Read once, at accept: remoteAddress is undefined once the socket has been reset.
    const address = addressOf(tcp)
    const refusal = admission.admit(address, slotsTaken(), served.closing)
    // The TCP socket closes with its TLS one (or without it, when the handshake fails): one release either way.
    if (refusal === null) tcp.once('close', () => admission.release(address))
    if (settings.tls !== undefined) {
      handshakes.hold({ tcp, address, acceptedAt: Date.now(), refusal })
    } else if (refusal === null) {
      serve(tcp, tcp, address, Date.now())
    } else {
      countBytes(tcp)
      admission.refuse(tcp, refusal)
    }
  }

  // TLS: the decision taken at accept is carried out once the client can read our lines.
  const onSecure = (socket: Socket): void => {
    const accepted = handshakes.take(socket)
    if (accepted === undefined || served.closing) {
      // Not held (its TCP socket was already cut) or the drain destroyed its handshake: nothing to serve.
      socket.on('error', () => {})
      socket.destroy()
      return
    }
    if (accepted.refusal !== null) {
      countBytes(socket)
      admission.refuse(socket, accepted.refusal)
      return
    }
    serve(socket, accepted.tcp, accepted.address, accepted.acceptedAt)
  }

  const server = createStreamServer({ allowHalfOpen: true, noDelay: true, tls: settings.tls, plainTextRefusal: tlsRequiredReply() }, settings.tls === undefined ? onAccept : onSecure)
  // Before the kit's own check for plain text: admission counts the connection from its first moment.
  if (settings.tls !== undefined) server.prependListener('connection', onAccept)
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
    ...lifecycle(server, served, [admission.refused, handshakes.sockets], ops, () => logger.info({}, 'status server closed'))
  }
}

/**
 * close() and destroy() over the server's sets of sockets: the served (ended
 * through StatusConnection.shutdown, which flushes the replies first), the
 * refused (already ended) and the TLS handshakes under way (destroyed: nothing
 * was served yet). Both resolve once every socket has closed.
 */
function lifecycle (server: net.Server, served: ConnectionSet<StatusConnection>, others: Array<ConnectionSet<Socket>>, ops: StatusOps, onClosed: () => void): Pick<StatusServer, 'close' | 'destroy'> {
  let closing: Promise<void> | null = null
  return {
    close: () => {
      ops.health.markDraining()
      // Each set: end every socket, destroy those still open closeGraceMs later. The admin port
      // answers (/readyz 503) until the drain is over.
      closing ??= Promise.all([stopListening(server), served.close(), ...others.map(async (set) => await set.close())]).then(async () => await ops.close()).then(onClosed)
      return closing
    },
    destroy: async () => {
      // Every socket still open, served or not, in its grace period or not: each gets its 'close' from this.
      for (const connection of served) reset(connection.socket, connection.tcp)
      for (const set of others) for (const socket of set) reset(socket, socket)
      ops.health.markDraining()
      await Promise.all([stopListening(server), served.whenEmpty(), ...others.map(async (set) => await set.whenEmpty()), ops.close(true)])
    }
  }
}

/**
 * An RST, as if the process had died; a TLS socket is reset through its TCP
 * one (only a TCP handle can be reset). A socket we have already ended (close()
 * running, a refusal) is destroyed instead: libuv refuses to reset a socket
 * while its FIN is being sent, and that socket would then never close.
 */
function reset (socket: Socket, tcp: Socket): void {
  if (socket.writableEnded || tcp.writableEnded) socket.destroy()
  else tcp.resetAndDestroy()
}
