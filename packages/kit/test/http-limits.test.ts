import net from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import { DEFAULT_HTTP_LIMITS, defaultMaxConnections, fastifyHttpLimits, resolveHttpLimits } from '../src/index.js'

let app: FastifyInstance | undefined
const sockets: net.Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await app?.close()
  app = undefined
})

async function start (limits: Parameters<typeof fastifyHttpLimits>[0]): Promise<number> {
  app = Fastify({ ...fastifyHttpLimits(limits) })
  app.get('/', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as net.AddressInfo).port
}

function connect (port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  sockets.push(socket)
  return socket
}

describe('fastifyHttpLimits', () => {
  it('cuts off a client that sends its headers one byte at a time (slowloris)', async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 })
    const socket = connect(port)
    await once(socket, 'connect')
    const request = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200)
    let i = 0
    const drip = setInterval(() => { if (!socket.destroyed) socket.write(request[i++ % request.length] as string) }, 20)
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    await once(socket, 'close')
    clearInterval(drip)
    // Node answers 408 before closing; what matters is that the connection is gone and nothing was served.
    expect(Buffer.concat(received).toString()).not.toContain('"ok":true')
  })

  it('closes a connection that never sends anything', async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 })
    const socket = connect(port)
    // Read: a paused socket never sees the server's FIN as 'end', so it would never close.
    socket.resume()
    await once(socket, 'close')
    expect(socket.bytesWritten).toBe(0)
  })

  it('closes an idle keep-alive connection after keepAliveTimeoutMs, and serves normal requests', async () => {
    const port = await start({ keepAliveTimeoutMs: 200 })
    const socket = connect(port)
    await once(socket, 'connect')
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const [chunk] = await once(socket, 'data') as [Buffer]
    expect(chunk.toString()).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*\{"ok":true\}$/)
    await once(socket, 'close')
  })

  it('refuses connections past maxConnections, and serves again once they go', async () => {
    const port = await start({ maxConnections: 3 })
    const held = await Promise.all([0, 1, 2].map(async () => {
      const s = connect(port)
      await once(s, 'connect')
      return s
    }))
    // Let the server account for the three before the fourth arrives.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const extra = connect(port)
    await once(extra, 'close')
    expect(extra.bytesRead).toBe(0)
    for (const s of held) s.destroy()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const response = await fetch(`http://127.0.0.1:${port}/`)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('closes a connection on which nothing moves for idleTimeoutMs, a request in flight too, and leaves one that trickles alone', async () => {
    app = Fastify({ ...fastifyHttpLimits({ idleTimeoutMs: 200 }) })
    app.get('/never', (_req, _reply) => {}) // never answers
    app.get('/trickle', (_req, reply) => {
      let n = 0
      const write = setInterval(() => { if (++n === 12) { clearInterval(write); reply.raw.end('done') } else reply.raw.write('.') }, 50)
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'text/plain' })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as net.AddressInfo).port
    const silent = connect(port)
    await once(silent, 'connect')
    silent.write('GET /never HTTP/1.1\r\nHost: x\r\n\r\n')
    const started = Date.now()
    await once(silent, 'close')
    // 200 ms, checked every 25 ms: not before, and not long after.
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(Date.now() - started).toBeLessThan(1000)
    // 600 ms of a response that sends a byte every 50 ms: never idle for 200.
    const res = await fetch(`http://127.0.0.1:${port}/trickle`)
    expect(await res.text()).toBe('.'.repeat(11) + 'done')
  })

  it('does not close an upgraded socket (a WebSocket keeps its own liveness)', async () => {
    const port = await start({ idleTimeoutMs: 100 })
    let upgraded: net.Socket | undefined
    app!.server.on('upgrade', (_req, socket: net.Socket) => {
      upgraded = socket
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n')
    })
    const socket = connect(port)
    await once(socket, 'connect')
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n')
    await once(socket, 'data')
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(socket.destroyed).toBe(false)
    upgraded?.destroy()
  })

  it('rejects nonsense limits with ERR_INVALID_OPTION naming them', () => {
    expect(() => resolveHttpLimits({ headersTimeoutMs: 0 })).toThrow(/headersTimeoutMs/)
    expect(() => resolveHttpLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(/requestTimeoutMs/)
    expect(resolveHttpLimits()).toEqual(DEFAULT_HTTP_LIMITS)
  })

  it('caps connections by what the descriptor limit leaves, not at a fixed 1000 (a chat page holds thousands of WebSockets)', () => {
    expect(defaultMaxConnections(1024)).toBe(896)
    expect(defaultMaxConnections(20_000)).toBe(19_872)
    expect(defaultMaxConnections(300)).toBe(256)
    expect(defaultMaxConnections(null)).toBe(1000)
  })
})
