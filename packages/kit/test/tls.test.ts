import net from 'node:net'
import tls from 'node:tls'
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import { makeTestCertificate } from '@eventwire/testkit'
import { createStreamServer, fastifyHttpLimits } from '../src/index.js'

const certificate = makeTestCertificate()
const serverTls = { cert: certificate.cert, key: certificate.key }
const closers: Array<() => Promise<void> | void> = []

afterEach(async () => { for (const close of closers.splice(0).reverse()) await close() })
afterAll(() => certificate.remove())

/** An upper-casing line echo over createStreamServer: what the apps' TCP ports are, in miniature. */
async function startEcho (options: Parameters<typeof createStreamServer>[0]): Promise<number> {
  const open = new Set<net.Socket>()
  const server = createStreamServer(options, (socket) => {
    open.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => open.delete(socket))
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('utf8').toUpperCase()))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(async () => {
    for (const s of open) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return (server.address() as net.AddressInfo).port
}

/** Everything a raw TCP client receives until the server closes, and whether it closed. */
async function plainExchange (port: number, send: string | null): Promise<{ text: string, closed: boolean, ms: number }> {
  const started = Date.now()
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  closers.push(() => { socket.destroy() })
  if (send !== null) socket.write(send)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000))])
  return { text, closed, ms: Date.now() - started }
}

function opensslSClient (port: number, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['s_client', '-quiet', '-no_ign_eof', '-connect', `127.0.0.1:${port}`, '-CAfile', certificate.certFile, '-verify_return_error'], { timeout: 10_000 }, (err, stdout) => {
      // s_client exits non-zero when the server closes first; what it printed is the answer.
      if (err !== null && stdout === '') reject(err)
      else resolve(stdout)
    })
    child.stdin?.write(input)
    setTimeout(() => child.stdin?.end(), 500)
  })
}

describe('createStreamServer with tls', () => {
  it('serves a TLS client that trusts the certificate (Node tls and openssl s_client)', async () => {
    const port = await startEcho({ tls: serverTls })
    const client = tls.connect({ port, host: '127.0.0.1', ca: certificate.cert, servername: 'localhost' })
    client.on('error', () => {})
    closers.push(() => { client.destroy() })
    await once(client, 'secureConnect')
    client.write('hello\n')
    const [answer] = await once(client, 'data') as [Buffer]
    expect(answer.toString()).toBe('HELLO\n')
    expect(await opensslSClient(port, 'over openssl\n')).toContain('OVER OPENSSL\n')
  })

  it('tells a plain-text client that speaks first to use TLS, and closes', async () => {
    const port = await startEcho({ tls: serverTls, plainTextRefusal: 'ERR use TLS here\n' })
    const { text, closed } = await plainExchange(port, '404\n')
    expect(closed).toBe(true)
    expect(text).toBe('ERR use TLS here\n')
  })

  it('asks a refusal function at each refusal (so it can name the port bound)', async () => {
    let port = 0
    port = await startEcho({ tls: serverTls, plainTextRefusal: () => `ERR use TLS on ${port}\n` })
    expect((await plainExchange(port, 'hi\n')).text).toBe(`ERR use TLS on ${port}\n`)
  })

  it('tells a silent plain-text client (one waiting for a greeting) after the silence, not at the handshake timeout', async () => {
    const port = await startEcho({ tls: serverTls, plainTextSilentMs: 200 })
    const { text, closed, ms } = await plainExchange(port, null)
    expect(closed).toBe(true)
    expect(text).toMatch(/this port speaks TLS/)
    expect(ms).toBeLessThan(4000)
  })

  it('without tls is plain TCP', async () => {
    const port = await startEcho({})
    const socket = net.connect(port, '127.0.0.1')
    closers.push(() => { socket.destroy() })
    socket.write('abc')
    const [answer] = await once(socket, 'data') as [Buffer]
    expect(answer.toString()).toBe('ABC')
  })

  it('a failed handshake (client distrusts the certificate) closes that connection only', async () => {
    const port = await startEcho({ tls: serverTls })
    const bad = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' })
    const [err] = await once(bad, 'error') as [Error & { code?: string }]
    expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    const good = tls.connect({ port, host: '127.0.0.1', ca: certificate.cert, servername: 'localhost' })
    closers.push(() => { good.destroy() })
    await once(good, 'secureConnect')
    good.write('still up')
    const [answer] = await once(good, 'data') as [Buffer]
    expect(answer.toString()).toBe('STILL UP')
  })
})

describe('fastifyHttpLimits with tls', () => {
  let app: FastifyInstance | undefined
  afterEach(async () => { await app?.close(); app = undefined })

  async function startHttps (): Promise<number> {
    app = Fastify({ ...fastifyHttpLimits({ idleTimeoutMs: 300 }, serverTls) })
    app.get('/', async () => ({ ok: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return (app.server.address() as net.AddressInfo).port
  }

  it('serves HTTPS', async () => {
    const port = await startHttps()
    const body = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ca: certificate.cert, servername: 'localhost' }, () => {
        socket.write('GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n')
      })
      let text = ''
      socket.on('data', (c: Buffer) => { text += c.toString() })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(body).toMatch(/^HTTP\/1.1 200/)
    expect(body).toContain('{"ok":true}')
  })

  it('answers a plain HTTP request with a 400 in the shared error shape', async () => {
    const port = await startHttps()
    const { text, closed } = await plainExchange(port, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n')
    expect(closed).toBe(true)
    expect(text).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/)
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
    expect(body).toMatchObject({ statusCode: 400, code: 'ERR_TLS_REQUIRED', error: 'Bad Request' })
  })

  it('closes a silent connection after the idle timeout without writing', async () => {
    const port = await startHttps()
    const { text, closed } = await plainExchange(port, null)
    expect(closed).toBe(true)
    expect(text).toBe('')
  })
})
