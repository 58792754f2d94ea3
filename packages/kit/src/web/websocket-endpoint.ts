import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'
import { ConnectionSet } from '../connection-set.js'
import { guard } from '../guard.js'
import { createOriginCheck } from '../origin.js'
import { rejectUpgrade } from '../upgrade.js'

/** The logging the endpoint does: refusals and unresponsive peers. pino fits. */
export interface EndpointLogger {
  debug (fields: Record<string, unknown>, message: string): void
  info (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
}

export interface WebSocketEndpointOptions {
  /** The HTTP server whose upgrades this endpoint takes (fastify's `app.server`). */
  server: Server
  /** The one path WebSockets open on; other paths get 404. */
  path: string
  /** Largest message accepted from a client; ws closes with 1009 past it. */
  maxPayloadBytes: number
  /** One ping per period to every socket; a socket that did not answer the previous one is unresponsive. */
  heartbeatIntervalMs: number
  /** How long a close handshake may take before the socket is cut, and close() waits before terminating. */
  closeGraceMs: number
  /** Origins besides the page's own that may connect (see createOriginCheck). */
  allowedOrigins?: readonly string[]
  /** The 403 body for a refused origin: say how this app's operator allows one (its env var). */
  originRefusal?: (origin: string) => string
  /**
   * Judged after the path and the origin, before the handshake: undefined
   * lets the request in, a refusal answers it instead (a 401 for a missing
   * token). It must not throw on the peer's headers; if it does, the request gets a 400.
   */
  authorize?: (request: IncomingMessage) => UpgradeRefusal | undefined
  logger: EndpointLogger
  /**
   * A socket is open. `socket` is the upgraded TCP socket under `ws`, for
   * callers that write ready-made frames (the chat broadcast).
   */
  onConnection: (ws: WebSocket, socket: Duplex, request: IncomingMessage) => void
  /** A socket missed a heartbeat. Default: terminate it. */
  onUnresponsive?: (ws: WebSocket) => void
}

/** The HTTP answer to an upgrade request turned away (see rejectUpgrade). */
export interface UpgradeRefusal {
  status: number
  body: string
  /** E.g. `content-type: application/json` for a body in the shared error shape, `www-authenticate` for a 401. */
  headers?: Readonly<Record<string, string>>
}

/**
 * The WebSocket side every app's web port shares: `ws` on the fastify server
 * with path routing, an Origin allow-list (403), 503 while closing, one
 * unref'd heartbeat timer for every socket, bounded close handshakes, and a
 * ConnectionSet so a graceful stop waits for every socket exactly once.
 */
export class WebSocketEndpoint {
  readonly wss: WebSocketServer
  readonly connections: ConnectionSet<WebSocket>
  readonly #options: WebSocketEndpointOptions
  readonly #originAllowed: (request: IncomingMessage) => boolean
  /** Sockets that have not answered the last ping. */
  readonly #awaitingPong = new WeakSet<WebSocket>()
  readonly #heartbeat: NodeJS.Timeout
  #accepting = true

  constructor (options: WebSocketEndpointOptions) {
    this.#options = options
    this.#originAllowed = createOriginCheck(options.allowedOrigins)
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      // Tracked in our ConnectionSet; no second Set inside ws.
      clientTracking: false,
      closeTimeout: options.closeGraceMs
    } as ServerOptions)
    this.connections = new ConnectionSet<WebSocket>({
      closeGraceMs: options.closeGraceMs,
      end: (ws) => ws.close(1001, 'server shutting down'),
      destroy: (ws) => ws.terminate()
    })
    options.server.on('upgrade', this.#onUpgrade)
    this.#heartbeat = setInterval(this.#onHeartbeat, options.heartbeatIntervalMs)
    this.#heartbeat.unref()
  }

  /** Open sockets. */
  get size (): number {
    return this.connections.size
  }

  get accepting (): boolean {
    return this.#accepting
  }

  /** From now on upgrades are answered 503 (the HTTP routes keep answering). */
  stopAccepting (): void {
    this.#accepting = false
  }

  /**
   * Stops accepting and the heartbeat, closes every socket still open with 1001
   * (terminating it after closeGraceMs), and detaches from the server. Callers
   * that close their sockets themselves first (with their own reason) await
   * `connections.whenEmpty()` and then this.
   */
  async close (): Promise<void> {
    this.#accepting = false
    clearInterval(this.#heartbeat)
    await this.connections.close()
    this.#options.server.off('upgrade', this.#onUpgrade)
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }

  /**
   * The request's headers are the peer's input too: a throw while judging them
   * refuses that one request (400) instead of ending the process.
   */
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    guard(this.#upgrade, (err) => {
      this.#options.logger.error({ err }, 'WebSocket upgrade handler threw; refused that request')
      rejectUpgrade(socket, 400, 'bad upgrade request')
    })(request, socket, head)
  }

  readonly #upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '').split('?', 1)[0]
    if (path !== this.#options.path) return rejectUpgrade(socket, 404, `no WebSocket here; connect to ${this.#options.path}`)
    if (!this.#accepting) return rejectUpgrade(socket, 503, 'the server is shutting down; reconnect shortly')
    if (!this.#originAllowed(request)) {
      // Echoed in our answer and logs: printable ASCII only, and short.
      const origin = String(request.headers.origin).slice(0, 100).replace(/[^\x20-\x7e]/g, '?')
      this.#options.logger.info({ origin }, 'refused a WebSocket from another origin')
      const refusal = this.#options.originRefusal?.(origin) ?? `origin not allowed: ${origin}; the server's operator can add it to the allowed origins`
      return rejectUpgrade(socket, 403, refusal)
    }
    const refusal = this.#options.authorize?.(request)
    if (refusal !== undefined) return rejectUpgrade(socket, refusal.status, refusal.body, refusal.headers)
    // Until ws takes over the socket, a reset during the handshake must not crash the process.
    socket.on('error', ignore)
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', ignore)
      this.#track(ws)
      this.#options.onConnection(ws, socket, request)
    })
  }

  #track (ws: WebSocket): void {
    this.connections.add(ws)
    const onPong = (): void => { this.#awaitingPong.delete(ws) }
    const onError = (err: Error): void => {
      // maxPayload overflows and protocol errors land here; ws closes the socket itself.
      this.#options.logger.debug({ err: err.message }, 'websocket error')
    }
    ws.on('pong', onPong)
    ws.on('error', onError)
    ws.once('close', () => {
      ws.off('pong', onPong)
      this.connections.delete(ws)
    })
  }

  readonly #onHeartbeat = (): void => {
    const onUnresponsive = this.#options.onUnresponsive ?? ((ws: WebSocket) => ws.terminate())
    for (const ws of [...this.connections]) {
      if (this.#awaitingPong.has(ws)) {
        this.#options.logger.info({}, 'WebSocket missed a heartbeat; dropping it')
        onUnresponsive(ws)
        continue
      }
      if (ws.readyState !== ws.OPEN) continue
      this.#awaitingPong.add(ws)
      ws.ping()
    }
  }
}

function ignore (): void {}
