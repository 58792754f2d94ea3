import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import { serveStaticFiles, WebSocketEndpoint } from '../src/web/index.js'

const quiet = { debug: () => {}, info: () => {}, error: () => {} }
let app: FastifyInstance | undefined
let endpoint: WebSocketEndpoint | undefined

afterEach(async () => {
  await endpoint?.close()
  await app?.close()
  app = endpoint = undefined
})

async function start (options: Partial<ConstructorParameters<typeof WebSocketEndpoint>[0]> = {}): Promise<{ url: string, http: string, opened: WebSocket[] }> {
  app = Fastify()
  const opened: WebSocket[] = []
  serveStaticFiles(app, new URL('./fixtures/', import.meta.url), { '/': 'index.html', '/app.js': 'app.js' })
  endpoint = new WebSocketEndpoint({
    server: app.server,
    path: '/ws',
    maxPayloadBytes: 1024,
    heartbeatIntervalMs: 60_000,
    closeGraceMs: 300,
    logger: quiet,
    onConnection: (ws) => { opened.push(ws); ws.send('welcome') },
    ...options
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { url: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}`, opened }
}

/** Opens a client and resolves with its first message, or with the HTTP status of a refused upgrade. */
function open (url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket, first?: string, status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options)
    ws.on('error', () => {})
    ws.once('message', (data) => resolve({ ws, first: data.toString() }))
    ws.once('unexpected-response', (_req, res) => { resolve({ ws, status: res.statusCode }); res.resume() })
  })
}

describe('WebSocketEndpoint', () => {
  it('accepts on its path; 404 elsewhere, 403 for another site or null, 503 once it stops accepting', async () => {
    const { url, http } = await start()
    expect((await open(url)).first).toBe('welcome')
    expect((await open(url, { origin: http })).first).toBe('welcome')
    expect((await open(url.replace('/ws', '/other'))).status).toBe(404)
    expect((await open(url, { origin: 'http://evil.example' })).status).toBe(403)
    expect((await open(url, { origin: 'null' })).status).toBe(403)
    endpoint?.stopAccepting()
    expect((await open(url)).status).toBe(503)
  })

  it('authorize turns a request away with its own status, body and headers, after the origin check', async () => {
    const body = JSON.stringify({ statusCode: 401, code: 'ERR_UNAUTHORIZED', error: 'Unauthorized', message: 'no token' })
    const { url } = await start({
      authorize: (request) => request.headers.authorization === 'Bearer right' ? undefined : { status: 401, body, headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' } }
    })
    expect((await open(url, { headers: { authorization: 'Bearer right' } })).first).toBe('welcome')
    const answer = await new Promise<{ status?: number, headers: Record<string, unknown>, text: string }>((resolve) => {
      const ws = new WebSocket(url, { headers: { authorization: 'Bearer wrong' } })
      ws.on('error', () => {})
      ws.once('unexpected-response', (_req, res) => {
        let text = ''
        res.on('data', (c: Buffer) => { text += c.toString() })
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
      })
    })
    expect(answer).toMatchObject({ status: 401, headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer', connection: 'close' } })
    expect(JSON.parse(answer.text)).toEqual(JSON.parse(body))
    // Another site is still a 403, whatever its token.
    expect((await open(url, { origin: 'http://evil.example', headers: { authorization: 'Bearer right' } })).status).toBe(403)
  })

  it('drops a client that stops answering pings, with one timer for everybody', async () => {
    const { url } = await start({ heartbeatIntervalMs: 50 })
    const healthy = await open(url)
    const silent = await open(url, { autoPong: false })
    await once(silent.ws, 'close')
    while (endpoint?.size !== 1) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('close() says 1001 to every client and resolves once all are gone, terminating one that never answers', async () => {
    const { url } = await start()
    const a = await open(url)
    const b = await open(url)
    const codes: number[] = []
    a.ws.on('close', (code) => codes.push(code))
    // b never completes the close handshake: its socket stops reading.
    const bSocket = (b.ws as unknown as { _socket: { pause: () => void, resume: () => void } })._socket
    const bClosed = once(b.ws, 'close')
    bSocket.pause()
    await endpoint?.close()
    expect(endpoint?.size).toBe(0)
    bSocket.resume()
    await bClosed
    expect(codes).toEqual([1001])
  })
})

describe('serveStaticFiles', () => {
  it('serves files with their content type, nosniff and no-cache, and a favicon', async () => {
    const { http } = await start()
    const page = await fetch(`${http}/`)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('cache-control')).toBe('no-cache')
    expect(await page.text()).toContain('<title>t</title>')
    expect((await fetch(`${http}/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const icon = await fetch(`${http}/favicon.ico`)
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
  })
})
