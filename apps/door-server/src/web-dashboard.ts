import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { createOriginCheck, fastifyHttpLimits, rejectUpgrade, type HttpLimits } from '@eventwire/kit'
import { WebSocketServer, type WebSocket } from 'ws'
import type { DoorHub } from './door-hub.js'
import type { ManualSensor } from './sensors/manual.js'
import type { AppLogger } from '@eventwire/protocol'
import { SlowReaderWatch, type SlowVerdict } from './slow-reader.js'
import { isDoorState, type DoorEvent } from './types.js'

export interface WebDashboardOptions {
  /** Unsent bytes a browser may have queued for longer than `queueGraceMs`; then it is dropped. */
  maxQueueBytes: number
  /** How long a browser's queue may stay above `maxQueueBytes`. */
  queueGraceMs: number
  /** Past this many queued bytes a browser is dropped at once. */
  queueHardCapBytes: number
  /** WebSocket ping period; a browser that misses one pong is terminated. */
  pingIntervalMs: number
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
  logger: AppLogger
}

/** Loaded once: the page is tiny and never changes while the server runs. */
const PUBLIC_DIR = new URL('../public/', import.meta.url)
const STATIC_FILES: Record<string, { type: string, body: Buffer }> = {
  '/': { type: 'text/html; charset=utf-8', body: readFileSync(new URL('index.html', PUBLIC_DIR)) },
  '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('dashboard.js', PUBLIC_DIR)) }
}

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

interface Browser { ws: WebSocket, alive: boolean }

/**
 * The web side: fastify serves the page and `GET /state`; a `ws` server on
 * `/ws` pushes a DashboardMessage to every browser on every hub event.
 */
export class WebDashboard {
  readonly app: FastifyInstance
  readonly #wss: WebSocketServer
  readonly #hub: DoorHub
  readonly #options: WebDashboardOptions
  readonly #browsers = new Set<Browser>()
  readonly #slowReaders: SlowReaderWatch<Browser>
  readonly #originAllowed: (request: IncomingMessage) => boolean
  #pingTimer: NodeJS.Timeout | null = null
  #closing = false

  constructor (hub: DoorHub, options: WebDashboardOptions) {
    this.#hub = hub
    this.#options = options
    this.#slowReaders = new SlowReaderWatch<Browser>({
      maxQueueBytes: options.maxQueueBytes,
      graceMs: options.queueGraceMs,
      hardCapBytes: options.queueHardCapBytes,
      queuedBytes: (browser) => browser.ws.bufferedAmount,
      onSlow: this.#onSlow
    })
    this.#originAllowed = createOriginCheck(options.allowedOrigins)
    // Slowloris: slow or idle senders are cut off, and the connection count is capped.
    this.app = Fastify({ ...fastifyHttpLimits(options.httpLimits), logger: false, bodyLimit: 1024 })
    // Browsers are not expected to send anything; a tiny limit bounds what a bad one can make us buffer.
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: false })
    this.#routes()
    this.app.server.on('upgrade', this.#onUpgrade)
    hub.on('event', this.#onEvent)
  }

  /** Browsers connected over WebSocket now. */
  get browserCount (): number {
    return this.#browsers.size
  }

  /** The longest browser queue now, in bytes (for metrics and tests). */
  get largestQueueBytes (): number {
    let largest = 0
    for (const { ws } of this.#browsers) largest = Math.max(largest, ws.bufferedAmount)
    return largest
  }

  async listen (port: number, host: string): Promise<AddressInfo> {
    await this.app.listen({ port, host })
    this.#pingTimer = setInterval(this.#pingAll, this.#options.pingIntervalMs)
    this.#pingTimer.unref()
    return this.app.server.address() as AddressInfo
  }

  /** Tells every browser we are going away (1001), then closes the HTTP server. */
  async close (graceMs = 2000): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    this.#hub.off('event', this.#onEvent)
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer)
    this.#pingTimer = null
    this.#slowReaders.stop()
    this.app.server.off('upgrade', this.#onUpgrade)
    const closed = [...this.#browsers].map(({ ws }) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) resolve()
      else ws.once('close', () => resolve())
      ws.close(1001, 'server shutting down')
    }))
    const timer = setTimeout(() => { for (const { ws } of this.#browsers) ws.terminate() }, graceMs)
    await Promise.all(closed)
    clearTimeout(timer)
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
    await this.app.close()
  }

  #routes (): void {
    for (const [path, file] of Object.entries(STATIC_FILES)) {
      this.app.get(path, async (_request, reply) => {
        return await reply.type(file.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(file.body)
      })
    }
    this.app.get('/state', async () => this.#message(null))
    const httpSensor = this.#options.httpSensor
    if (httpSensor !== undefined) {
      const expected = digest(`Bearer ${httpSensor.token}`)
      this.app.post('/sensor', async (request, reply) => {
        if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
          return await reply.code(401).send({ error: 'missing or wrong Authorization: Bearer <DOOR_SENSOR_TOKEN>' })
        }
        const body = request.body as { state?: unknown } | null
        const state = body?.state
        if (!isDoorState(state)) {
          return await reply.code(400).send({ error: 'body must be JSON {"state":"open"} or {"state":"close"}' })
        }
        httpSensor.sensor.set(state)
        return { ok: true, ...this.#hub.snapshot() }
      })
    }
  }

  #message (event: DoorEvent | null): DashboardMessage {
    return { type: 'state', event, ...this.#hub.snapshot(), serverTime: Date.now() }
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', noop)
    const path = (request.url ?? '').split('?')[0]
    if (path !== '/ws' || this.#closing) {
      rejectUpgrade(socket, 404, 'the dashboard\'s WebSocket is at /ws')
      return
    }
    // Cross-site WebSocket: another site's page must not read our state through a visitor's browser.
    if (!this.#originAllowed(request)) {
      this.#options.logger.info({ origin: request.headers.origin }, 'refused a WebSocket from another origin')
      rejectUpgrade(socket, 403, 'this origin may not open the dashboard WebSocket; see DOOR_ALLOWED_ORIGINS')
      return
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', noop)
      this.#onBrowser(ws)
    })
  }

  #onBrowser (ws: WebSocket): void {
    const browser: Browser = { ws, alive: true }
    this.#browsers.add(browser)
    this.#slowReaders.add(browser)
    const onPong = (): void => { browser.alive = true }
    const onError = (err: Error): void => {
      this.#options.logger.warn({ err: err.message }, 'browser connection error')
    }
    const onClose = (): void => {
      this.#browsers.delete(browser)
      this.#slowReaders.delete(browser)
      ws.off('pong', onPong)
      ws.off('error', onError)
      ws.off('close', onClose)
    }
    ws.on('pong', onPong)
    ws.on('error', onError)
    ws.on('close', onClose)
    this.#send(browser, JSON.stringify(this.#message(null)))
  }

  readonly #onEvent = (event: DoorEvent): void => {
    if (this.#browsers.size === 0) return
    const text = JSON.stringify(this.#message(event))
    for (const browser of this.#browsers) this.#send(browser, text)
  }

  #send (browser: Browser, text: string): void {
    if (this.#slowReaders.observe(browser)) return
    browser.ws.send(text)
  }

  readonly #onSlow = (browser: Browser, verdict: SlowVerdict): void => {
    this.#options.logger.warn({ ...verdict, maxQueueBytes: this.#options.maxQueueBytes }, 'browser is not reading; dropped it')
    this.#browsers.delete(browser)
    browser.ws.terminate()
  }

  readonly #pingAll = (): void => {
    for (const browser of this.#browsers) {
      if (!browser.alive) {
        this.#options.logger.info({}, 'browser missed a heartbeat; terminated it')
        this.#browsers.delete(browser)
        this.#slowReaders.delete(browser)
        browser.ws.terminate()
        continue
      }
      browser.alive = false
      browser.ws.ping()
    }
  }
}

function noop (): void {}

/** Fixed-length digests so the token comparison takes the same time whatever was sent. */
function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
