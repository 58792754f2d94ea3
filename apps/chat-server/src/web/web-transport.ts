import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { createOriginCheck, fastifyHttpLimits, guard, rejectUpgrade, type HttpLimits } from '@eventwire/kit'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import { ChatErrorCodes, type ServerEvent } from '../core/events.js'
import type { AppLogger } from '@eventwire/protocol'
import type { Member, MemberTransport } from '../core/member.js'
import { LeaveReasons, type ChatRoom } from '../core/room.js'
import { EncodeCache } from '../encode-cache.js'
import { guardInput } from '../guard-input.js'
import { decodeClientMessage } from './client-message.js'
import { loadPage } from './static-page.js'
import { textFrame } from './text-frame.js'

export interface WebTransportOptions {
  room: ChatRoom
  logger: AppLogger
  /** Bytes queued on a browser's socket past which it counts as too slow. */
  maxQueueBytes: number
  /** WebSocket `maxPayload`: the largest client message accepted. */
  maxPayloadBytes: number
  /** Ping period; a browser that has not answered the previous ping is dropped. */
  heartbeatIntervalMs: number
  closeGraceMs: number
  /** Origins besides the page's own that may open /ws (see createOriginCheck). */
  allowedOrigins: readonly string[]
  /** Deadlines and connection cap of the HTTP server (see fastifyHttpLimits). */
  httpLimits?: HttpLimits
}

interface WebContext extends WebTransportOptions {
  shared: EncodeCache<Buffer>
  connections: Set<WsConnection>
  onEmpty: (() => void) | undefined
}

/** Close codes: 1000 normal, 1001 going away, 1008 policy violation, 1011 internal error. */
function closeCode (reason: string): number {
  if (reason === LeaveReasons.SHUTDOWN) return 1001
  if (reason === LeaveReasons.INTERNAL_ERROR) return 1011
  if (reason === 'quit' || reason.startsWith('quit:')) return 1000
  return 1008
}

/** One browser tab: JSON frames in, the room's event objects out as JSON. */
class WsConnection implements MemberTransport {
  readonly kind = 'ws'
  readonly #ws: WebSocket
  /** The upgraded socket under #ws: room events are written to it as ready-made frames. */
  readonly #socket: Duplex
  readonly #ctx: WebContext
  readonly member: Member
  /** Cleared by each heartbeat tick, set by the pong that answers it. */
  alive = true
  #closeTimer: NodeJS.Timeout | undefined
  /** The guarded message handler: an exception in it fails this connection only. */
  readonly #onMessage: (data: RawData, isBinary: boolean) => void

  constructor (ws: WebSocket, socket: Duplex, ctx: WebContext) {
    this.#ws = ws
    this.#socket = socket
    this.#ctx = ctx
    this.#onMessage = guardInput(this.#message, ctx, () => this.member, () => this.close(LeaveReasons.INTERNAL_ERROR, true))
    ws.on('message', this.#onMessage)
    ws.on('pong', this.#onPong)
    ws.on('error', this.#onError)
    ws.on('close', this.#onClose)
    ctx.connections.add(this)
    this.member = ctx.room.join(this)
  }

  send (event: ServerEvent): boolean {
    // Not OPEN: closing, and no data frame may follow a close frame.
    if (this.#ws.readyState !== WebSocket.OPEN) return true
    const socket = this.#socket
    if (socket.writableLength > this.#ctx.maxQueueBytes) return false
    // One JSON text frame per broadcast, shared by every browser. Written beside ws, not
    // through it: ws also writes each frame whole and at once (no compression, no Blobs
    // here), so frames never interleave, and its bufferedAmount still counts these bytes.
    socket.write(this.#ctx.shared.get(event))
    return true
  }

  close (reason: string, graceful: boolean): void {
    if (!graceful) {
      this.#ws.terminate()
      return
    }
    // Close reasons are limited to 123 bytes by the protocol.
    this.#ws.close(closeCode(reason), Buffer.from(reason).subarray(0, 120).toString())
    // ws waits up to 30 s for the browser's close frame; a chat server need not.
    this.#closeTimer ??= setTimeout(() => this.#ws.terminate(), this.#ctx.closeGraceMs)
  }

  /** Called by the transport's single heartbeat timer. */
  heartbeat (): void {
    if (!this.alive) {
      this.#ctx.room.kick(this.member, 'no answer to ping', false)
      return
    }
    this.alive = false
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping()
  }

  readonly #message = (data: RawData, isBinary: boolean): void => {
    const room = this.#ctx.room
    if (isBinary) {
      room.reject(this.member, ChatErrorCodes.BAD_REQUEST, 'binary frames are not supported; send JSON text')
      return
    }
    const decoded = decodeClientMessage(data.toString())
    if (decoded.ok) room.request(this.member, decoded.request)
    else room.reject(this.member, ChatErrorCodes.BAD_REQUEST, decoded.text)
  }

  readonly #onPong = (): void => {
    this.alive = true
  }

  readonly #onError = (err: Error): void => {
    // maxPayload overflows and protocol errors land here; ws closes the socket itself.
    this.#ctx.logger.debug({ id: this.member?.id, err: err.message }, 'websocket error')
  }

  readonly #onClose = (): void => {
    clearTimeout(this.#closeTimer)
    this.#ws.off('message', this.#onMessage)
    this.#ws.off('pong', this.#onPong)
    this.#ctx.room.leave(this.member)
    this.#ctx.connections.delete(this)
    if (this.#ctx.connections.size === 0) this.#ctx.onEmpty?.()
  }
}

/**
 * The browser side: fastify serves the page and /healthz; a `ws` server in
 * noServer mode takes the upgrades for /ws on fastify's own HTTP server.
 */
export class WebTransport {
  readonly app: FastifyInstance
  readonly wss: WebSocketServer
  readonly #ctx: WebContext
  readonly #originAllowed: (req: IncomingMessage) => boolean
  #heartbeat: NodeJS.Timeout | undefined
  #accepting = true

  constructor (options: WebTransportOptions, stats: () => Record<string, unknown>) {
    this.#ctx = {
      ...options,
      shared: new EncodeCache((event) => textFrame(JSON.stringify(event))),
      connections: new Set(),
      onEmpty: undefined
    }
    this.#originAllowed = createOriginCheck(options.allowedOrigins)
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      // We track connections ourselves (heartbeat, drain); no second Set.
      clientTracking: false
    })
    this.wss.on('error', this.#onWssError)
    this.app = Fastify({ ...fastifyHttpLimits(options.httpLimits), logger: false })
    const page = loadPage()
    for (const [route, file] of page) {
      this.app.get(route, async (_req, reply) => await reply.type(file.type).header('cache-control', 'no-cache').send(file.body))
    }
    this.app.get('/healthz', async () => ({ status: this.#accepting ? 'ok' : 'closing', ...stats() }))
    this.app.server.on('upgrade', this.#onUpgrade)
  }

  get connections (): number {
    return this.#ctx.connections.size
  }

  async listen (port: number, host: string): Promise<AddressInfo> {
    await this.app.listen({ port, host })
    // One timer for every browser: per-client timers would cost memory and wake-ups.
    this.#heartbeat = setInterval(this.#onHeartbeat, this.#ctx.heartbeatIntervalMs)
    return this.app.server.address() as AddressInfo
  }

  /** Refuses new upgrades from now on (the page and /healthz keep answering until stop()). */
  stopAccepting (): void {
    this.#accepting = false
  }

  /** Waits for the room-initiated closes to finish, then closes the HTTP server. */
  async stop (): Promise<void> {
    this.#accepting = false
    clearInterval(this.#heartbeat)
    await this.drained()
    this.app.server.off('upgrade', this.#onUpgrade)
    await this.app.close()
    this.wss.off('error', this.#onWssError)
    this.wss.close()
  }

  async drained (): Promise<void> {
    if (this.#ctx.connections.size === 0) return
    await new Promise<void>((resolve) => { this.#ctx.onEmpty = resolve })
    this.#ctx.onEmpty = undefined
  }

  readonly #onHeartbeat = (): void => {
    for (const connection of this.#ctx.connections) connection.heartbeat()
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The request's headers are the peer's input too (a Host the URL parser refuses, say):
    // a throw while judging them refuses that one request instead of ending the process.
    guard(this.#upgrade, (err) => {
      this.#ctx.logger.error({ err }, 'websocket upgrade handler threw; refused that request')
      rejectUpgrade(socket, 400, 'bad upgrade request\n')
    })(req, socket, head)
  }

  readonly #upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', onUpgradeSocketError)
    const path = (req.url ?? '').split('?', 1)[0]
    if (path !== '/ws' || !this.#accepting) {
      const status = path !== '/ws' ? '404 Not Found' : '503 Service Unavailable'
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    if (!this.#originAllowed(req)) {
      // A page on another site must not make its visitors' browsers talk in our room.
      const origin = (req.headers.origin ?? '').slice(0, 100).replace(/[^\x20-\x7e]/g, '?')
      this.#ctx.logger.info({ origin }, 'websocket refused: origin not allowed')
      socket.off('error', onUpgradeSocketError)
      rejectUpgrade(socket, 403, `origin not allowed: ${origin}; to allow it, add it to CHAT_ALLOWED_ORIGINS (or --allowed-origins, or the allowedOrigins option), comma-separated scheme://host[:port]\n`)
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', onUpgradeSocketError)
      void new WsConnection(ws, socket, this.#ctx)
    })
  }

  readonly #onWssError = (err: Error): void => {
    this.#ctx.logger.warn({ err: err.message }, 'websocket server error')
  }
}

/** Until ws takes over the socket, a reset during the handshake must not crash the process. */
function onUpgradeSocketError (): void {}
