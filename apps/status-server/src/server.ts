import net, { type AddressInfo, type Socket } from 'node:net'
import { listen as listenOn } from '@eventwire/service'
import { StatusConnection } from './connection.js'
import { tooManyConnectionsReply } from './describe.js'
import { silentAppLogger, type AppLogger } from '@eventwire/service'

export interface StatusServerOptions {
  /** Longest request line, in bytes; a longer one gets an error line and the connection is closed. Default 1024. */
  maxLineBytes?: number
  /** Connections served at once; one more gets an error line and is closed. Default 1000. */
  maxConnections?: number
  /** A connection silent for this long gets an error line and is closed; 0 disables. Default 300 000 (5 min). */
  idleTimeoutMs?: number
  /** After we end a connection, how long the client gets to close its side before it is destroyed. Default 2000. */
  lingerMs?: number
  /** close() destroys connections still open after this long. Default 5000. */
  closeTimeoutMs?: number
  /** pino or anything with info/warn/debug(fields, message). Default: silent. */
  logger?: AppLogger
}

export interface StatusServer {
  /** The underlying server: listen with `listen()` below, or yourself. */
  readonly server: net.Server
  /** Connections being served now (refused ones not counted). */
  readonly connectionCount: number
  /** Listens on host (default 127.0.0.1) and resolves with the bound address; port 0 picks a free one. */
  listen: (port: number, host?: string) => Promise<AddressInfo>
  /**
   * Graceful close: stop accepting, flush the replies to everything already
   * read, end every connection, and resolve once all are closed (connections
   * still open after `closeTimeoutMs` are destroyed).
   */
  close: () => Promise<void>
  /** Hard stop, as if the process died: stop accepting and reset every connection at once. */
  destroy: () => Promise<void>
}

function positive (name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`option ${name} must be a number >= ${min}, got ${String(value)}`)
  return value
}

/**
 * Builds the status-code TCP server: one status code per line in, one
 * `Code NNN: ...` (or `Error: ...`) line out, in request order, any number of
 * requests in flight per connection. Nothing listens until `listen()`.
 */
export function createStatusServer (options: StatusServerOptions = {}): StatusServer {
  const maxLineBytes = positive('maxLineBytes', options.maxLineBytes ?? 1024, 1)
  const maxConnections = positive('maxConnections', options.maxConnections ?? 1000, 1)
  const idleTimeoutMs = positive('idleTimeoutMs', options.idleTimeoutMs ?? 300_000, 0)
  const lingerMs = positive('lingerMs', options.lingerMs ?? 2000, 1)
  const closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs ?? 5000, 1)
  const logger = options.logger ?? silentAppLogger

  const connections = new Set<StatusConnection>()
  /** Refused sockets, kept so close()/destroy() can reach them while they linger. */
  const refused = new Set<Socket>()
  /** Every accepted socket until it has closed, with the promise that resolves then: what close() and destroy() wait for. */
  const openSockets = new Map<Socket, Promise<void>>()
  let closing: Promise<void> | null = null

  const onConnectionClose = (connection: StatusConnection): void => {
    connections.delete(connection)
  }
  const connectionOptions = { maxLineBytes, idleTimeoutMs, lingerMs, logger, onClose: onConnectionClose }

  const track = (socket: Socket): void => {
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    openSockets.set(socket, closed)
    void closed.then(() => openSockets.delete(socket))
  }

  const refuse = (socket: Socket): void => {
    refused.add(socket)
    const timer = setTimeout(() => socket.destroy(), lingerMs)
    socket.on('error', () => {}) // the refused client's resets are not our concern
    socket.once('close', () => {
      clearTimeout(timer)
      refused.delete(socket)
    })
    socket.end(tooManyConnectionsReply(maxConnections))
    socket.resume() // drop whatever it sends so its FIN reaches us
  }

  const server = net.createServer({ allowHalfOpen: true, noDelay: true })
  server.on('connection', (socket: Socket) => {
    track(socket)
    if (closing !== null || connections.size >= maxConnections) {
      if (closing === null) logger.warn({ maxConnections, remote: socket.remoteAddress }, 'connection refused: server full')
      refuse(socket)
      return
    }
    connections.add(new StatusConnection(socket, connectionOptions))
  })
  // Listening errors (EADDRINUSE) reach listen()'s promise; this keeps a later one from crashing the process.
  server.on('error', (err) => logger.warn({ err: err.message }, 'status server error'))

  const stopListening = (): Promise<void> => new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
  })

  const waitForConnections = async (): Promise<void> => {
    while (openSockets.size > 0) await Promise.all(openSockets.values())
  }

  const close = (): Promise<void> => {
    if (closing !== null) return closing
    closing = (async () => {
      const closed = stopListening()
      for (const connection of connections) connection.shutdown()
      const deadline = setTimeout(() => {
        for (const connection of connections) connection.socket.destroy()
        for (const socket of refused) socket.destroy()
      }, closeTimeoutMs)
      try {
        await waitForConnections()
        await closed
      } finally {
        clearTimeout(deadline)
      }
      logger.info({}, 'status server closed')
    })()
    return closing
  }

  const destroy = async (): Promise<void> => {
    const closed = stopListening()
    // Every socket still open, whatever state it is in (served, refused, lingering), so the
    // wait below can only end: each one gets its 'close' from this.
    for (const socket of openSockets.keys()) socket.resetAndDestroy()
    await waitForConnections()
    await closed
  }

  return {
    server,
    get connectionCount () {
      return connections.size
    },
    listen: (port: number, host = '127.0.0.1') => listenOn(server, port, host),
    close,
    destroy
  }
}
