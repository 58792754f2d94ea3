import net from 'node:net'
import { ErrorCodes, RemoteEmitter, isProtocolError, type HeartbeatOptions } from '@eventwire/protocol'
import type { DoorHub } from './door-hub.js'
import type { AppLogger } from '@eventwire/protocol'
import { SlowReaderWatch, type SlowVerdict } from './slow-reader.js'
import type { DoorEvent } from './types.js'

export interface TcpBroadcastOptions {
  /** Bytes a client may have waiting in our write buffer for longer than `queueGraceMs`; then it is dropped. */
  maxQueueBytes: number
  /** How long a queue may stay above `maxQueueBytes` (a burst we produced ourselves is not slowness). */
  queueGraceMs: number
  /** Past this many queued bytes a client is dropped at once: bounds memory during the grace period. */
  queueHardCapBytes: number
  /** Passive heartbeat: clients that ping are closed when they go quiet for `timeoutMs`. */
  heartbeatTimeoutMs: number
  /** TCP keepalive probe delay: finds dead peers that never ping (nc, duplex-emitter). */
  keepAliveMs: number
  /** Connections accepted at once; more are refused by the kernel backlog/`maxConnections`. */
  maxClients: number
  /** Clients are not supposed to send anything; a longer line than this closes them. */
  maxLineBytes: number
  logger: AppLogger
}

/** Wire events: `["open",ms]`, `["close",ms]`, `["offline",ms]`, `["online",ms]`; clients send nothing but pings. */
type DoorWire = Record<DoorEvent['name'], (at: number) => void>
type Client = RemoteEmitter<Record<string, never>, DoorWire>

/**
 * The TCP side: one RemoteEmitter per client, every hub event written to every
 * client in order. A client whose unsent bytes stay above `maxQueueBytes` for
 * `queueGraceMs`, or pass `queueHardCapBytes` at all, is dropped so it can
 * neither slow the others nor grow our memory.
 */
export class TcpBroadcast {
  readonly server: net.Server
  readonly #hub: DoorHub
  readonly #options: TcpBroadcastOptions
  /** Each client with its peer address, for log lines. */
  readonly #clients = new Map<Client, string>()
  readonly #slowReaders: SlowReaderWatch<Client>
  #closing = false

  constructor (hub: DoorHub, options: TcpBroadcastOptions) {
    this.#hub = hub
    this.#options = options
    this.#slowReaders = new SlowReaderWatch<Client>({
      maxQueueBytes: options.maxQueueBytes,
      graceMs: options.queueGraceMs,
      hardCapBytes: options.queueHardCapBytes,
      queuedBytes: (client) => client.bufferedBytes,
      onSlow: this.#onSlow
    })
    this.server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: options.keepAliveMs })
    this.server.maxConnections = options.maxClients
    this.server.on('connection', this.#onConnection)
    this.server.on('error', this.#onServerError)
    hub.on('event', this.#onEvent)
  }

  /** Clients connected now. */
  get clientCount (): number {
    return this.#clients.size
  }

  /** The longest client queue now, in bytes (for metrics and tests). */
  get largestQueueBytes (): number {
    let largest = 0
    for (const client of this.#clients.keys()) largest = Math.max(largest, client.bufferedBytes)
    return largest
  }

  /**
   * Stops accepting, flushes what each client was sent and ends it (clients see a
   * clean EOF and reconnect elsewhere), then waits for the sockets to close,
   * destroying stragglers after `graceMs`.
   */
  async close (graceMs = 2000): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    this.#hub.off('event', this.#onEvent)
    this.#slowReaders.stop()
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    const sockets = [...this.#clients.keys()].map((client) => client.stream)
    const socketsClosed = sockets.map((s) => new Promise<void>((resolve) => {
      if (s.closed) resolve()
      else s.once('close', () => resolve())
    }))
    for (const client of [...this.#clients.keys()]) client.close()
    const timer = setTimeout(() => { for (const s of sockets) s.destroy() }, graceMs)
    await Promise.all(socketsClosed)
    clearTimeout(timer)
    this.server.off('connection', this.#onConnection)
    await serverClosed
    this.server.off('error', this.#onServerError)
  }

  readonly #onConnection = (socket: net.Socket): void => {
    if (this.#closing) {
      socket.destroy()
      return
    }
    const { logger } = this.#options
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    const client: Client = new RemoteEmitter(socket, {
      maxLineBytes: this.#options.maxLineBytes,
      onBadFrame: 'close',
      logger,
      // Pongs (and telnet answers) are written on the client's behalf: they count against the same
      // hard cap, so a client that floods pings and never reads is dropped with ERR_QUEUE_FULL.
      maxBufferedBytes: this.#options.queueHardCapBytes,
      // People try the port with telnet: its negotiation bytes are stripped, Ctrl-C closes.
      telnet: true,
      // Passive: never ping (nc users would see it), but time out peers that do ping and then go quiet.
      heartbeat: { active: false, timeoutMs: this.#options.heartbeatTimeoutMs } satisfies HeartbeatOptions
    })
    const onError = (err: Error): void => {
      if (isProtocolError(err, ErrorCodes.QUEUE_FULL)) {
        // The same policy and log line as a slow reader caught before an event, reported by the protocol.
        const { queued } = err.details
        logger.warn({ peer, reason: 'hard-cap', queuedBytes: queued, maxQueueBytes: this.#options.maxQueueBytes }, 'client is not reading; dropped it')
        return
      }
      logger.warn({ peer, code: (err as { code?: string }).code, err: err.message }, 'client connection error; closing it')
    }
    client.on('error', onError)
    client.onClose(() => {
      this.#clients.delete(client)
      this.#slowReaders.delete(client)
      client.off('error', onError)
      logger.info({ peer, clients: this.#clients.size }, 'client disconnected')
    })
    if (client.closed) return
    this.#clients.set(client, peer)
    this.#slowReaders.add(client)
    logger.info({ peer, clients: this.#clients.size }, 'client connected')
    // Synchronously, before any later hub event can be broadcast: the late joiner's order is the hub's order.
    for (const event of this.#hub.initialEvents()) this.#send(client, event)
  }

  readonly #onEvent = (event: DoorEvent): void => {
    for (const client of this.#clients.keys()) this.#send(client, event)
  }

  #send (client: Client, event: DoorEvent): void {
    if (client.closed || this.#slowReaders.observe(client)) return
    client.emit(event.name, event.at)
  }

  readonly #onSlow = (client: Client, verdict: SlowVerdict): void => {
    this.#options.logger.warn({
      peer: this.#clients.get(client),
      ...verdict,
      maxQueueBytes: this.#options.maxQueueBytes
    }, 'client is not reading; dropped it')
    this.#clients.delete(client)
    client.destroy()
  }

  readonly #onServerError = (err: Error): void => {
    this.#options.logger.error({ err: err.message }, 'TCP server error')
  }
}
