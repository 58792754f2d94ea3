import net from 'node:net'
import tls from 'node:tls'
import { once } from 'node:events'
import WebSocket from 'ws'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { Browser } from 'playwright-core'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { launchChromium } from '@eventwire/testkit/browser'
import { closeClients, type OpenedClients } from './helpers.js'
import type { IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

/** What the tests of one file share: one server, and the connections each test opened. */
export interface SharedServer extends OpenedClients {
  /** The server, from beforeAll on. */
  readonly started: IrcStarted
  /** Run after each test, before its connections are closed: what a test started besides them (a process, an irc-framework client). */
  readonly closers: Array<() => void>
  /** One Chromium for the file, launched by the first test that asks. */
  browser: () => Promise<Browser>
}

/**
 * Call at a test file's top level: starts one server for all its tests
 * (beforeAll) and closes it, and the browser if one was launched, after them
 * (afterAll). After each test, runs its closers, closes its connections and
 * waits for the room to be empty, so that every test starts in an empty room.
 */
export function sharedServer (start: () => Promise<IrcStarted>): SharedServer {
  let started: IrcStarted | undefined
  let chromium: Browser | undefined
  const shared: SharedServer = {
    clients: [],
    sockets: [],
    closers: [],
    get started () {
      if (started === undefined) throw new Error('the shared server is started in beforeAll')
      return started
    },
    async browser () {
      chromium ??= await launchChromium()
      return chromium
    }
  }
  beforeAll(async () => { started = await start() })
  afterEach(async () => {
    for (const close of shared.closers.splice(0)) close()
    await closeClients(shared)
    await waitUntil(() => shared.started.server.room.size === 0, 'every member gone between tests')
  })
  afterAll(async () => {
    await chromium?.close()
    await started?.server.close()
  })
  return shared
}

/** A line client over TLS that trusts `ca` (the test certificate), for the TCP and IRC ports. */
export async function tlsLineClient (port: number, ca: string, clients: LineClient[]): Promise<LineClient> {
  const socket = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' })
  const client = new LineClient(socket)
  clients.push(client)
  await once(socket, 'secureConnect')
  return client
}

/** A plain line client (nc), for the refusals. */
export async function plainLineClient (port: number, clients: LineClient[]): Promise<LineClient> {
  const client = await LineClient.connect(port)
  clients.push(client)
  return client
}

/** A `ws` client of `url` (ws:// or wss://), open. */
export async function wsClient (url: string, options: WebSocket.ClientOptions, sockets: WsClient[]): Promise<WsClient> {
  const client = new WsClient(new WebSocket(url, options))
  sockets.push(client)
  await once(client.ws, 'open')
  return client
}

export interface RefusedUpgrade {
  status: number | undefined
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Opens a WebSocket that the server is expected to refuse, and resolves with the HTTP answer it got instead. */
export async function refusedUpgrade (url: string, options: WebSocket.ClientOptions = {}): Promise<RefusedUpgrade> {
  return await new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    ws.on('error', () => {})
    ws.once('open', () => { ws.terminate(); reject(new Error(`${url} opened; expected a refusal`)) })
    ws.once('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => { body += chunk.toString() })
      response.on('end', () => { ws.terminate(); resolve({ status: response.statusCode, headers: response.headers, body }) })
    })
  })
}

/** Everything a raw TCP peer reads until the server closes (or `waitMs` passes), and how long it took. */
export async function plainExchange (port: number, send: string | null, waitMs = 6000): Promise<{ text: string, closed: boolean, ms: number }> {
  const started = Date.now()
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  if (send !== null) socket.write(send)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([
    once(socket, 'close').then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), waitMs) })
  ])
  clearTimeout(timer)
  socket.destroy()
  return { text, closed, ms: Date.now() - started }
}
