import net, { type AddressInfo, type Socket } from 'node:net'
import { listen as listenOn } from '@eventwire/service'
import { StatusConnection } from './connection.js'
import { Admission, addressOf } from './admission.js'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'

/** Defaults of the options below; main.ts's --help and the README show these. */
export const DEFAULT_MAX_LINE_BYTES = 1024
export const DEFAULT_MAX_CONNECTIONS = 1000
/** A tenth of the server: one client (address) cannot take every slot. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000
/** Seconds, not minutes: a connection that never asks holds a slot for nothing. */
export const DEFAULT_FIRST_REQUEST_TIMEOUT_MS = 10_000
/** Long enough for a request split over a slow link, short enough that a person sees no wait. */
export const DEFAULT_QUIET_REPLY_MS = 100

export interface StatusServerOptions {
  /** Longest request line, in bytes; a longer one gets an error line and the connection is closed. Default 1024. */
  maxLineBytes?: number
  /** Connections served at once; one more gets an error line and is closed. Default 1000. */
  maxConnections?: number
  /** Connections served at once from one remote address; one more gets an error line and is closed. Default 100. */
  maxConnectionsPerAddress?: number
  /** A connection silent for this long gets an error line and is closed; 0 disables. Default 300 000 (5 min). */
  idleTimeoutMs?: number
  /**
   * A connection that has not sent one complete request this long after connecting
   * gets an error line and is closed, however many bytes it trickles; 0 disables.
   * Applies only when shorter than idleTimeoutMs. Default 10 000.
   */
  firstRequestTimeoutMs?: number
  /**
   * An unfinished line of exactly three digits, with nothing more for this long,
   * is answered as if its line end had come (a line end arriving later only
   * closes it); 0 disables. Default 100.
   */
  quietReplyMs?: number
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
  const maxLineBytes = positive('maxLineBytes', options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, 1)
  const maxConnections = positive('maxConnections', options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 1)
  const maxPerAddress = positive('maxConnectionsPerAddress', options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, 1)
  const idleTimeoutMs = positive('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 0)
  const firstRequestTimeoutMs = positive('firstRequestTimeoutMs', options.firstRequestTimeoutMs ?? DEFAULT_FIRST_REQUEST_TIMEOUT_MS, 0)
  const quietReplyMs = positive('quietReplyMs', options.quietReplyMs ?? DEFAULT_QUIET_REPLY_MS, 0)
  const lingerMs = positive('lingerMs', options.lingerMs ?? 2000, 1)
  const closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs ?? 5000, 1)
  const logger = options.logger ?? silentAppLogger

  const connections = new Set<StatusConnection>()
  const admission = new Admission({ maxConnections, maxPerAddress, lingerMs, logger })
  /** Every accepted socket until it has closed, with the promise that resolves then: what close() and destroy() wait for. */
  const openSockets = new Map<Socket, Promise<void>>()
  let closing: Promise<void> | null = null

  const onConnectionClose = (connection: StatusConnection): void => {
    connections.delete(connection)
    admission.release(connection.remoteAddress)
  }
  const connectionOptions = { maxLineBytes, idleTimeoutMs, firstRequestTimeoutMs, quietReplyMs, lingerMs, logger, onClose: onConnectionClose }

  const track = (socket: Socket): void => {
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    openSockets.set(socket, closed)
    void closed.then(() => openSockets.delete(socket))
  }

  const server = net.createServer({ allowHalfOpen: true, noDelay: true })
  server.on('connection', (socket: Socket) => {
    track(socket)
    // Read once, at accept: remoteAddress is undefined once the socket has been reset.
    const address = addressOf(socket)
    if (admission.admit(socket, address, connections.size, closing !== null)) {
      connections.add(new StatusConnection(socket, address, connectionOptions))
    }
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
        for (const socket of admission.refused) socket.destroy()
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
