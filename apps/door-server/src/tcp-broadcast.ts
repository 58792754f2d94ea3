import type net from 'node:net'
import { ConnectionSet, createStreamServer, createTokenCheck, type ServerTls } from '@eventwire/kit'
import { TransportStats } from '@eventwire/kit/metrics'
import { ErrorCodes, RemoteEmitter, addListeners, isProtocolError, type AppLogger, type HeartbeatOptions } from '@eventwire/protocol'
import { initialDoorEvents, type DoorBus } from './door-bus.js'
import { DoorDropReasons, dropReasonOf } from './door-ops.js'
import { AUTH_EVENT, TLS_REQUIRED_FRAME } from './refusal.js'
import { AuthGate } from './tcp-auth.js'
import { SlowReaderWatch, type SlowVerdict } from './slow-reader.js'
import type { DoorEvent } from './types.js'

export interface TcpBroadcastOptions {
  /** Bytes a client may have waiting in our write buffer for longer than `queueGraceMs`; then it is dropped. */
  maxQueueBytes: number
  /** How long a queue may stay above `maxQueueBytes` (a burst we produced ourselves is not slowness). */
  queueGraceMs: number
  /** Past this many queued bytes a client is dropped at once: bounds memory during the grace period. */
  queueHardCapBytes: number
  /** Passive heartbeat: clients that ping are closed when they go quiet this long. No timer per client. */
  heartbeatTimeoutMs: number
  /** TCP keepalive probe delay: finds dead peers that never ping (nc, duplex-emitter). */
  tcpKeepAliveMs: number
  /** Connections accepted at once (the net.Server's `maxConnections`); more are refused. */
  maxConnections: number
  /** Clients are not supposed to send anything; a longer line than this closes them. */
  maxLineBytes: number
  /** How long close() lets clients take what they were sent before their sockets are destroyed. */
  closeGraceMs: number
  /** Speak TLS (a plain-text client is sent TLS_REQUIRED_FRAME and closed). Absent: plain TCP. */
  tls?: ServerTls
  /** Clients must send `["auth", token]` first (see AuthGate). Absent: anyone may listen. */
  clientToken?: string
  /** With `clientToken`: how long a client has to send its auth frame. */
  authTimeoutMs: number
  logger: AppLogger
}

/** Wire events: `["open",ms]`, `["close",ms]`, `["offline",ms]`, `["online",ms]`; clients send nothing but pings (and their auth frame first). */
type DoorWire = Record<DoorEvent['name'], (at: number) => void>
type Client = RemoteEmitter<{ [AUTH_EVENT]: () => void }, DoorWire>

/**
 * The TCP side: one RemoteEmitter per client, every event the DoorBus delivers
 * written to every client in order. A client whose unsent bytes stay above
 * `maxQueueBytes` for `queueGraceMs`, or pass `queueHardCapBytes` at all, is
 * dropped so it can neither slow the others nor grow our memory.
 */
export class TcpBroadcast {
  readonly server: net.Server
  /** What the metrics read: plain numbers bumped per connection and per event sent, nothing allocated. */
  readonly stats = new TransportStats({ refused: ['max_connections', 'shutting_down', 'unauthorized'], dropped: Object.values(DoorDropReasons), messagesDropped: [DoorDropReasons.NOT_READING] })
  /** Events the bus delivered, each once whatever the number of clients (this is the bus's one TCP subscriber). */
  readonly eventsDelivered: Record<DoorEvent['name'], number> = { open: 0, close: 0, offline: 0, online: 0 }
  readonly #bus: DoorBus
  readonly #options: TcpBroadcastOptions
  /** Every client until its socket has closed: what close() ends, waits for and destroys after the grace. */
  readonly #connections: ConnectionSet<Client>
  /** Each client's peer address, for log lines. */
  readonly #peers = new WeakMap<Client, string>()
  readonly #slowReaders: SlowReaderWatch<Client>
  readonly #unsubscribe: () => void
  /** With a client token: the clients that have not authenticated yet. */
  readonly #auth: AuthGate | null
  #closing: Promise<void> | null = null
  /** Clients whose emitter is still open: those that get events (a dropped one may linger in #connections). */
  #live = 0

  constructor (bus: DoorBus, options: TcpBroadcastOptions) {
    this.#bus = bus
    this.#options = options
    this.#connections = new ConnectionSet<Client>({
      closeGraceMs: options.closeGraceMs,
      // close() flushes what was queued and sends FIN; destroy() must reach the socket (the emitter is closed by then).
      end: (client) => client.close(),
      destroy: (client) => client.stream.destroy()
    })
    this.#slowReaders = new SlowReaderWatch<Client>({
      maxQueueBytes: options.maxQueueBytes,
      graceMs: options.queueGraceMs,
      hardCapBytes: options.queueHardCapBytes,
      queuedBytes: (client) => client.bufferedBytes,
      onSlow: this.#onSlow
    })
    this.#auth = options.clientToken === undefined
      ? null
      : new AuthGate({
        check: createTokenCheck(options.clientToken),
        timeoutMs: options.authTimeoutMs,
        maxLineBytes: options.maxLineBytes,
        onAuthenticated: this.#onAuthenticated,
        onRefused: this.#onUnauthorized
      })
    // With TLS, #onConnection gets the socket after the handshake; a plain-text client is told in our own frame format.
    this.server = createStreamServer({
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: options.tcpKeepAliveMs,
      tls: options.tls,
      plainTextRefusal: TLS_REQUIRED_FRAME
    }, this.#onConnection)
    this.server.maxConnections = options.maxConnections
    this.server.on('drop', this.#onDrop)
    this.server.on('error', this.#onServerError)
    this.#unsubscribe = bus.subscribe(this.#onEvent)
  }

  /** Clients connected now. */
  get clientCount (): number {
    return this.#live
  }

  /** The longest client queue now, in bytes (for metrics and tests). */
  get largestQueueBytes (): number {
    let largest = 0
    for (const client of this.#connections) largest = Math.max(largest, client.bufferedBytes)
    return largest
  }

  /** Every client's socket until it has closed (their byte counters are scraped). */
  * sockets (): Iterable<net.Socket> {
    for (const client of this.#connections) yield client.stream as net.Socket
  }

  /** Every client's unsent bytes now. */
  * queuedBytes (): Iterable<number> {
    for (const client of this.#connections) yield client.bufferedBytes
  }

  /**
   * Stops accepting, flushes what each client was sent and ends it (clients see a
   * clean EOF and reconnect elsewhere), then waits for the sockets to close,
   * destroying stragglers after `closeGraceMs`.
   */
  close (): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close (): Promise<void> {
    this.#unsubscribe()
    this.#slowReaders.stop()
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.#auth?.close()
    await this.#connections.close()
    // Only once the server has closed: a TLS handshake that finishes during close() still
    // reaches #onConnection, which destroys it; without a listener it would keep the server open.
    await serverClosed
    // createStreamServer listens on 'connection' (plain) or 'secureConnection' (TLS).
    this.server.off('connection', this.#onConnection)
    this.server.off('secureConnection', this.#onConnection)
    this.server.off('drop', this.#onDrop)
    this.server.off('error', this.#onServerError)
  }

  readonly #onConnection = (socket: net.Socket): void => {
    if (this.#connections.closing) {
      this.stats.refuse('shutting_down')
      socket.destroy()
      return
    }
    if (this.#auth === null) this.#welcome(socket)
    else this.#auth.admit(socket)
  }

  /** The gate hands the socket over paused, its auth frame consumed: wrap it, then let it flow. */
  readonly #onAuthenticated = (socket: net.Socket): void => {
    if (this.#connections.closing) {
      this.stats.refuse('shutting_down')
      socket.destroy()
      return
    }
    this.#welcome(socket)
    socket.resume()
  }

  readonly #onUnauthorized = (socket: net.Socket, reason: string): void => {
    this.stats.refuse('unauthorized')
    this.#options.logger.info({ peer: peerOf(socket), reason }, 'refused a client that did not authenticate')
  }

  /** Today's behaviour for a client we serve: the current state at once, then every event. */
  #welcome (socket: net.Socket): void {
    const client = this.#accept(socket)
    // Reset before we got it: its 'close' has fired already, so it must not enter the set that close() waits on.
    if (client.closed || socket.closed) return
    this.#live++
    this.stats.accepted++
    this.#connections.add(client)
    // The emitter is done at once (no more events for it); the connection only once its socket has closed.
    const removeCloseListener = addListeners(socket, {
      close: () => {
        removeCloseListener()
        this.stats.socketClosed(socket) // its bytes move into the totals as it leaves the set the scrape sums
        this.#connections.delete(client)
      }
    })
    this.#slowReaders.add(client)
    this.#options.logger.info({ peer: this.#peers.get(client), clients: this.#live }, 'client connected')
    // Synchronously, before the bus delivers anything later: the late joiner's order is the bus's order.
    for (const event of initialDoorEvents(this.#bus.snapshot())) this.#send(client, event)
  }

  /** Wraps the socket in a RemoteEmitter with our limits, and wires its error and close handling. */
  #accept (socket: net.Socket): Client {
    const { logger } = this.#options
    const peer = peerOf(socket)
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
      // Every client's check runs on protocol's one shared sweep timer, not a timer of its own.
      heartbeat: { active: false, timeoutMs: this.#options.heartbeatTimeoutMs } satisfies HeartbeatOptions
    })
    this.#peers.set(client, peer)
    const onError = (err: Error): void => {
      const reason = dropReasonOf(err)
      if (reason !== null) this.stats.drop(reason)
      if (isProtocolError(err, ErrorCodes.QUEUE_FULL)) {
        // The same policy and log line as a slow reader caught before an event, reported by the protocol.
        logger.warn({ peer, reason: 'hard-cap', queuedBytes: err.details.queued, maxQueueBytes: this.#options.maxQueueBytes }, 'client is not reading; dropped it')
        return
      }
      logger.warn({ peer, code: (err as { code?: string }).code, err: err.message }, 'client connection error; closing it')
    }
    // "auth" is reserved: a second auth frame (or one sent to a server without a token) is no event; dropped and logged.
    const onLateAuth = (): void => logger.debug({ peer }, 'dropped an auth frame from a client that is not authenticating')
    client.on('error', onError)
    client.on(AUTH_EVENT, onLateAuth)
    client.onClose(() => {
      client.off('error', onError)
      client.off(AUTH_EVENT, onLateAuth)
      this.#slowReaders.delete(client)
      if (!this.#connections.has(client)) return // refused before it was counted
      this.#live--
      logger.info({ peer, clients: this.#live }, 'client disconnected')
    })
    return client
  }

  readonly #onEvent = (event: DoorEvent): void => {
    this.eventsDelivered[event.name]++
    for (const client of this.#connections) this.#send(client, event)
  }

  #send (client: Client, event: DoorEvent): void {
    if (client.closed) return
    if (this.#slowReaders.observe(client)) {
      this.stats.dropMessages(DoorDropReasons.NOT_READING)
      return
    }
    client.emit(event.name, event.at)
    this.stats.messagesDelivered++
  }

  readonly #onSlow = (client: Client, verdict: SlowVerdict): void => {
    this.#options.logger.warn({
      peer: this.#peers.get(client),
      ...verdict,
      maxQueueBytes: this.#options.maxQueueBytes
    }, 'client is not reading; dropped it')
    this.stats.drop(DoorDropReasons.NOT_READING)
    client.destroy()
  }

  /** Node refused a connection past maxConnections at accept. */
  readonly #onDrop = (): void => {
    this.stats.refuse('max_connections')
  }

  readonly #onServerError = (err: Error): void => {
    this.#options.logger.error({ err: err.message }, 'TCP server error')
  }
}

function peerOf (socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
}
