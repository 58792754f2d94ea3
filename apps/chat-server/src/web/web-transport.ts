import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { errorBody, fastifyHttpLimits, type HttpLimits, type ServerTls } from '@eventwire/kit'
import { serveStaticFiles, WebSocketEndpoint } from '@eventwire/kit/web'
import type { AppLogger } from '@eventwire/protocol'
import type { WebSocket } from 'ws'
import { parseResume } from '../core/arrival.js'
import type { ChatRoom } from '../core/room.js'
import { EncodeCache } from '../encode-cache.js'
import { ChatTransportStats } from '../ops/transport-stats.js'
import { textFrame } from './text-frame.js'
import { carriesToken, UNAUTHORIZED_BODY, UNAUTHORIZED_HEADERS, UNAUTHORIZED_UPGRADE } from './ws-auth.js'
import { WsConnection } from './ws-connection.js'

export interface WebTransportOptions {
  room: ChatRoom
  logger: AppLogger
  /** Bytes queued on a browser's socket past which it counts as too slow. */
  maxQueueBytes: number
  /** WebSocket `maxPayload`: the largest client message accepted. */
  maxPayloadBytes: number
  /** Ping period; a browser that has not answered the previous ping is dropped. */
  heartbeatIntervalMs: number
  /** How long a close handshake may take, and a shutdown waits, before a socket is cut. */
  closeGraceMs: number
  /** Origins besides the page's own that may open /ws (see createOriginCheck). */
  allowedOrigins: readonly string[]
  /** Deadlines and connection cap of the HTTP server (see fastifyHttpLimits). */
  httpLimits?: HttpLimits
  /** HTTPS and WSS; a plain HTTP request gets a 400 saying so. Absent: plain HTTP. */
  tls?: ServerTls
  /** CHAT_TOKEN's check: set, /ws opens only with the token (see ws-auth.ts), else 401. */
  checkToken?: (candidate: unknown) => boolean
}

/** The WebSocket route (a contract: the page and other clients connect here). */
const WS_PATH = '/ws'

// src/web and dist/web are both two levels below the package, next to public/.
const PUBLIC_DIR = new URL('../../public/', import.meta.url)

/**
 * The browser side: fastify serves the page (createChatServer adds the ops
 * routes); kit's WebSocketEndpoint takes the upgrades for /ws on fastify's
 * own HTTP server (404 elsewhere, 503 while closing, one heartbeat timer,
 * bounded close handshakes) and each socket becomes a room member (WsConnection).
 */
export class WebTransport {
  readonly app: FastifyInstance
  readonly endpoint: WebSocketEndpoint
  /** What the metrics read. */
  readonly stats = new ChatTransportStats(['origin', 'unauthorized'])
  readonly #members = new WeakMap<WebSocket, WsConnection>()

  constructor (options: WebTransportOptions) {
    const shared = new EncodeCache((event) => textFrame(JSON.stringify(event)))
    const context = { room: options.room, logger: options.logger, maxQueueBytes: options.maxQueueBytes, shared, stats: this.stats }
    this.app = Fastify({ ...fastifyHttpLimits(options.httpLimits, options.tls), logger: false })
    serveStaticFiles(this.app, PUBLIC_DIR, { '/': 'index.html', '/app.js': 'app.js', '/style.css': 'style.css' })
    const { checkToken } = options
    const authorized = (request: IncomingMessage): boolean => checkToken === undefined || carriesToken(request, checkToken)
    // A browser never sees why an upgrade was refused: the page asks /ws over plain GET instead, and reads this status.
    this.app.get(WS_PATH, async (request, reply) => authorized(request.raw)
      ? await reply.code(426).header('upgrade', 'websocket').send(errorBody(426, 'ERR_UPGRADE_REQUIRED', `${WS_PATH} takes WebSocket connections only`))
      : await reply.code(401).headers(UNAUTHORIZED_HEADERS).send(UNAUTHORIZED_BODY))
    this.endpoint = new WebSocketEndpoint({
      server: this.app.server,
      path: WS_PATH,
      maxPayloadBytes: options.maxPayloadBytes,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      closeGraceMs: options.closeGraceMs,
      // A page on another site must not make its visitors' browsers talk in our room.
      allowedOrigins: options.allowedOrigins,
      originRefusal: (origin) => {
        this.stats.refuse('origin')
        return `origin not allowed: ${origin}; to allow it, add it to CHAT_ALLOWED_ORIGINS (or --allowed-origins, or the allowedOrigins option), comma-separated scheme://host[:port]\n`
      },
      authorize: (request) => {
        if (authorized(request)) return undefined
        this.stats.refuse('unauthorized')
        options.logger.debug({ transport: 'ws' }, 'refused a WebSocket without the token (401)')
        return UNAUTHORIZED_UPGRADE
      },
      logger: options.logger,
      // `/ws?since=SEQ&epoch=EPOCH`: a reconnecting client gets what it missed (see parseResume).
      onConnection: (ws, socket, request) => { this.#members.set(ws, new WsConnection(ws, socket, context, parseResume(request.url))) },
      onUnresponsive: (ws) => {
        const connection = this.#members.get(ws)
        if (connection === undefined) ws.terminate()
        else connection.unresponsive()
      }
    })
  }

  /** Open WebSockets. */
  get connections (): number {
    return this.endpoint.size
  }

  async listen (port: number, host: string): Promise<AddressInfo> {
    await this.app.listen({ port, host })
    return this.app.server.address() as AddressInfo
  }

  /** Refuses new upgrades (503) from now on; the page and the ops routes keep answering until stop(). */
  stopAccepting (): void {
    this.endpoint.stopAccepting()
  }

  /**
   * After the room has closed its members (room.shutdown()): waits for their
   * close handshakes (sockets still open after closeGraceMs are cut), then
   * closes the HTTP server.
   */
  async stop (): Promise<void> {
    await this.endpoint.close()
    await this.app.close()
  }

  /** Resolves when no WebSocket is left; every caller gets the same promise. */
  async drained (): Promise<void> {
    await this.endpoint.connections.whenEmpty()
  }
}
