import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { createTokenCheck, errorBody, fastifyHttpLimits, type HttpLimits, type ServerTls } from '@eventwire/kit'
import { TransportStats, type SocketCounters } from '@eventwire/kit/metrics'
import { serveStaticFiles, WebSocketEndpoint } from '@eventwire/kit/web'
import type { AppLogger } from '@eventwire/protocol'
import type { WebSocket } from 'ws'
import type { DoorBus } from './door-bus.js'
import { DoorDropReasons } from './door-ops.js'
import { RefusalCodes } from './refusal.js'
import type { ManualSensor } from './sensors/manual.js'
import { SlowReaderWatch, type SlowVerdict } from './slow-reader.js'
import { isDoorState, type DoorEvent } from './types.js'

export interface WebDashboardOptions {
  /** Unsent bytes a browser may have queued for longer than `queueGraceMs`; then it is dropped. */
  maxQueueBytes: number
  /** How long a browser's queue may stay above `maxQueueBytes`. */
  queueGraceMs: number
  /** Past this many queued bytes a browser is dropped at once. */
  queueHardCapBytes: number
  /** WebSocket ping period (one timer for every browser); a browser that misses one pong is terminated. */
  heartbeatIntervalMs: number
  /** How long close() lets browsers finish the 1001 close handshake before they are terminated. */
  closeGraceMs: number
  /** Enables `POST /sensor` (Bearer token) feeding this sensor: how a real sensor reports over HTTP. */
  httpSensor?: { sensor: ManualSensor, token: string }
  /**
   * Origins besides the page's own whose pages may open `/ws` (exact
   * `scheme://host[:port]`). Requests without Origin (non-browser clients) are
   * always let in; `null` and every other origin get 403.
   */
  allowedOrigins: readonly string[]
  /** Header, request and idle timeouts and the connection cap of the HTTP server. Default: the kit's. */
  httpLimits?: HttpLimits
  /** HTTPS (and WSS on /ws); a plain HTTP request gets the kit's 400 ERR_TLS_REQUIRED. */
  tls?: ServerTls
  /** The door's client token: /ws and GET /state want it (`?token=` or `Authorization: Bearer`). */
  clientToken?: string
  logger: AppLogger
}

/** The WebSocket close code for a missing or wrong token (4000–4999 are the application's): the page stops retrying on it. */
export const WS_UNAUTHORIZED = 4401

const PUBLIC_DIR = new URL('../public/', import.meta.url)

/** What the page receives: the whole picture, after every change and once on connect. */
export interface DashboardMessage {
  type: 'state'
  /** The event that caused this message, null for the first one. */
  event: DoorEvent | null
  door: 'open' | 'close' | null
  since: number | null
  online: boolean
  offlineSince: number | null
  /** Server clock, so the page can correct its own when counting "open for N s". */
  serverTime: number
}

/**
 * The web side: fastify serves the page (the kit's static files), `GET /state`
 * and `POST /sensor`; the kit's WebSocketEndpoint on `/ws` (path routing, 503
 * while closing, one heartbeat timer, bounded close handshakes, its
 * ConnectionSet) carries a DashboardMessage to every browser on every event
 * the DoorBus delivers.
 */
export class WebDashboard {
  readonly app: FastifyInstance
  /** What the metrics read (browsers on /ws): plain numbers, nothing allocated per message. */
  readonly stats = new TransportStats({ refused: ['origin', 'unauthorized'], dropped: [DoorDropReasons.NOT_READING, DoorDropReasons.HEARTBEAT], messagesDropped: [DoorDropReasons.NOT_READING] })
  /** Each browser's upgraded TCP socket, for its byte counters. */
  readonly #sockets = new Map<WebSocket, SocketCounters>()
  readonly #bus: DoorBus
  readonly #options: WebDashboardOptions
  readonly #slowReaders: SlowReaderWatch<WebSocket>
  readonly #unsubscribe: () => void
  /** True when the request may see the door; always without a client token. */
  readonly #mayWatch: (request: IncomingMessage) => boolean
  #endpoint: WebSocketEndpoint | null = null
  #closing: Promise<void> | null = null

  constructor (bus: DoorBus, options: WebDashboardOptions) {
    this.#bus = bus
    this.#options = options
    this.#slowReaders = new SlowReaderWatch<WebSocket>({
      maxQueueBytes: options.maxQueueBytes,
      graceMs: options.queueGraceMs,
      hardCapBytes: options.queueHardCapBytes,
      queuedBytes: (ws) => ws.bufferedAmount,
      onSlow: this.#onSlow
    })
    this.#mayWatch = watchCheck(options.clientToken)
    // Slowloris: slow or idle senders are cut off, and the connection count is capped.
    this.app = Fastify({ ...fastifyHttpLimits(options.httpLimits, options.tls), logger: false, bodyLimit: 1024 })
    // The page and its script hold no door data: served to anyone, they pass the page's ?token= on to /ws.
    serveStaticFiles(this.app, PUBLIC_DIR, { '/': 'index.html', '/dashboard.js': 'dashboard.js' })
    this.app.get('/state', async (request, reply) => {
      if (this.#mayWatch(request.raw)) return this.#message(null)
      return await reply.code(401).send(errorBody(401, RefusalCodes.UNAUTHORIZED, 'missing or wrong token: add ?token=<DOOR_CLIENT_TOKEN> or send Authorization: Bearer <DOOR_CLIENT_TOKEN>'))
    })
    if (options.httpSensor !== undefined) sensorRoute(this.app, options.httpSensor, () => this.#bus.snapshot())
    this.#unsubscribe = bus.subscribe(this.#onEvent)
  }

  /** Browsers connected over WebSocket now (open; a dropped one is not counted while its socket goes). */
  get browserCount (): number {
    let open = 0
    for (const ws of this.#browsers()) if (ws.readyState === ws.OPEN) open++
    return open
  }

  /** The longest browser queue now, in bytes (for metrics and tests). */
  get largestQueueBytes (): number {
    let largest = 0
    for (const ws of this.#browsers()) largest = Math.max(largest, ws.bufferedAmount)
    return largest
  }

  /** Every browser's socket until it has closed (their byte counters are scraped). */
  sockets (): Iterable<SocketCounters> {
    return this.#sockets.values()
  }

  /** Every browser's unsent bytes now. */
  * queuedBytes (): Iterable<number> {
    for (const ws of this.#browsers()) yield ws.bufferedAmount
  }

  /** Starts the WebSocket endpoint (and its heartbeat timer) and listens. */
  async listen (port: number, host: string): Promise<AddressInfo> {
    const { heartbeatIntervalMs, closeGraceMs, allowedOrigins, logger } = this.#options
    this.#endpoint = new WebSocketEndpoint({
      server: this.app.server,
      path: '/ws',
      // Browsers are not expected to send anything; a tiny limit bounds what a bad one can make us buffer.
      maxPayloadBytes: 1024,
      heartbeatIntervalMs,
      closeGraceMs,
      // Cross-site WebSocket: another site's page must not read our state through a visitor's browser.
      allowedOrigins,
      originRefusal: () => {
        this.stats.refuse('origin')
        return 'this origin may not open the dashboard WebSocket; see DOOR_ALLOWED_ORIGINS'
      },
      logger,
      onConnection: (ws, socket, request) => {
        if (this.#mayWatch(request)) return this.#onBrowser(ws, socket as unknown as SocketCounters)
        // Refused after the upgrade, before any state: a browser cannot read an HTTP status, but it sees this close code.
        this.stats.refuse('unauthorized')
        ws.close(WS_UNAUTHORIZED, 'missing or wrong token: open the page with ?token=')
      },
      // What the endpoint does by default, counted.
      onUnresponsive: (ws) => {
        this.stats.drop(DoorDropReasons.HEARTBEAT)
        ws.terminate()
      }
    })
    await this.app.listen({ port, host })
    return this.app.server.address() as AddressInfo
  }

  /**
   * Upgrades get 503 from now on; every browser is told 1001 (terminated after
   * closeGraceMs); then the HTTP server closes.
   */
  close (): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close (): Promise<void> {
    this.#unsubscribe()
    this.#slowReaders.stop()
    await this.#endpoint?.close()
    await this.app.close()
  }

  * #browsers (): Iterable<WebSocket> {
    if (this.#endpoint !== null) yield * this.#endpoint.connections
  }

  #message (event: DoorEvent | null): DashboardMessage {
    return { type: 'state', event, ...this.#bus.snapshot(), serverTime: Date.now() }
  }

  #onBrowser (ws: WebSocket, socket: SocketCounters): void {
    this.stats.accepted++
    this.#sockets.set(ws, socket)
    this.#slowReaders.add(ws)
    ws.once('close', () => {
      this.#slowReaders.delete(ws)
      this.#sockets.delete(ws)
      this.stats.socketClosed(socket)
    })
    this.#send(ws, JSON.stringify(this.#message(null)))
  }

  readonly #onEvent = (event: DoorEvent): void => {
    if (this.#endpoint === null || this.#endpoint.size === 0) return
    const text = JSON.stringify(this.#message(event))
    for (const ws of this.#endpoint.connections) this.#send(ws, text)
  }

  #send (ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return
    if (this.#slowReaders.observe(ws)) {
      this.stats.dropMessages(DoorDropReasons.NOT_READING)
      return
    }
    ws.send(text)
    this.stats.messagesDelivered++
  }

  readonly #onSlow = (ws: WebSocket, verdict: SlowVerdict): void => {
    this.#options.logger.warn({ ...verdict, maxQueueBytes: this.#options.maxQueueBytes }, 'browser is not reading; dropped it')
    this.stats.drop(DoorDropReasons.NOT_READING)
    ws.terminate()
  }
}

/** `POST /sensor`: a real sensor reports `{"state":"open"|"close"}` with `Authorization: Bearer <token>`. */
function sensorRoute (app: FastifyInstance, httpSensor: { sensor: ManualSensor, token: string }, snapshot: DoorBus['snapshot']): void {
  const authorized = createTokenCheck(`Bearer ${httpSensor.token}`)
  app.post('/sensor', async (request, reply) => {
    if (!authorized(request.headers.authorization ?? '')) {
      return await reply.code(401).send({ error: 'missing or wrong Authorization: Bearer <DOOR_SENSOR_TOKEN>' })
    }
    const state = (request.body as { state?: unknown } | null)?.state
    if (!isDoorState(state)) {
      return await reply.code(400).send({ error: 'body must be JSON {"state":"open"} or {"state":"close"}' })
    }
    httpSensor.sensor.set(state)
    return { ok: true, ...snapshot() }
  })
}

/** The client token check of the web side: `?token=` (what a page URL can carry) or `Authorization: Bearer`. */
function watchCheck (clientToken: string | undefined): (request: IncomingMessage) => boolean {
  if (clientToken === undefined) return () => true
  const matches = createTokenCheck(clientToken)
  return (request) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (bearer !== undefined) return matches(bearer)
    return matches(queryToken(request.url ?? '/'))
  }
}

/** The `token` query parameter; null for none or a target URL cannot parse (a request target is the peer's input). */
function queryToken (target: string): string | null {
  try {
    // A throwaway base: only the query of the request's target is read.
    return new URL(target, 'http://x').searchParams.get('token')
  } catch {
    return null
  }
}
