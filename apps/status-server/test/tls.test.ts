import net from 'node:net'
import tls from 'node:tls'
import https from 'node:https'
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { LineClient, makeTestCertificate, waitUntil } from '@eventwire/testkit'
import { describeStatus, type StatusServerOptions } from '../src/index.js'
import { collectUntilClose, onCleanup, startStatusServer } from './helpers.js'

const certificate = makeTestCertificate()
const serverTls = { cert: certificate.cert, key: certificate.key }
afterAll(() => certificate.remove())

const REFUSAL = 'Error: this port speaks TLS, not plain text; connect with a TLS client, e.g. openssl s_client -quiet -connect host:port\n'

async function startTls (options: StatusServerOptions = {}): ReturnType<typeof startStatusServer> {
  return await startStatusServer({ ...options, tls: serverTls })
}

/** A TLS client that trusts the test certificate, as LineClient (lines as `nc` would show them). */
async function tlsClient (port: number, localAddress?: string): Promise<LineClient> {
  const socket = tls.connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }), ca: certificate.cert, servername: 'localhost' })
  const client = new LineClient(socket)
  onCleanup(() => socket.destroy())
  await once(socket, 'secureConnect')
  return client
}

/** A plain TCP client (nc), destroyed after the test. */
async function plainClient (port: number, localAddress?: string): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) })
  socket.on('error', () => {})
  onCleanup(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

/**
 * Debian's openssl s_client, the client the README tells people to use;
 * resolves with what it printed. Its input ends once `lines` lines are out (at
 * its end of input, -no_ign_eof closes at once, replies in flight or not).
 */
function opensslSClient (port: number, input: string, lines: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['s_client', '-quiet', '-no_ign_eof', '-connect', `127.0.0.1:${port}`, '-CAfile', certificate.certFile, '-verify_return_error']
    const child = execFile('openssl', args, { timeout: 10_000 }, (err, stdout) => {
      // s_client exits non-zero when the server closes first; what it printed is the answer.
      if (err !== null && stdout === '') reject(err)
      else resolve(stdout)
    })
    let printed = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString()
      if (printed.split('\n').length > lines) child.stdin?.end()
    })
    child.stdin?.write(input)
  })
}

describe('status-server over TLS', () => {
  it('answers a Node TLS client, pipelined, in order', async () => {
    const { port } = await startTls()
    const c = await tlsClient(port)
    c.write('404\n200\n999\n')
    expect(await c.next()).toBe(describeStatus(404))
    expect(await c.next()).toBe(describeStatus(200))
    expect(await c.next()).toBe('Error: unknown status code 999')
  })

  it('answers openssl s_client -quiet, and closes after its end of input', async () => {
    const { port } = await startTls()
    const printed = await opensslSClient(port, '418\n503\n', 2)
    expect(printed).toBe(`${describeStatus(418) ?? ''}\n${describeStatus(503) ?? ''}\n`)
  })

  it('tells a plain-text client to use TLS in one Error: line, and closes', async () => {
    const { port, status } = await startTls()
    const nc = await plainClient(port)
    const received = collectUntilClose(nc)
    nc.write('404\n')
    expect(await received).toBe(REFUSAL)
    // Its slot is free again.
    await waitUntil(() => status.health.readiness().statusCode === 200, 'readiness back at 200')
    const c = await tlsClient(port)
    c.send('200')
    expect(await c.next()).toBe(describeStatus(200))
  })

  it('tells a silent plain-text client (waiting for a greeting) within seconds, not at a timeout', async () => {
    const { port } = await startTls()
    const started = Date.now()
    const nc = await plainClient(port)
    expect(await collectUntilClose(nc)).toBe(REFUSAL)
    expect(Date.now() - started).toBeLessThan(4000)
  })

  it('serves the admin routes over HTTPS', async () => {
    const { status } = await startTls()
    const admin = await status.listenAdmin({ port: 0 })
    const { statusCode, body } = await new Promise<{ statusCode: number, body: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: admin.port, path: '/healthz', ca: certificate.cert, servername: 'localhost' }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => { text += chunk.toString() })
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: text }))
      }).on('error', reject)
    })
    expect(statusCode).toBe(200)
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' })
    // Plain HTTP on the admin port: told to use https.
    const plain = await fetch(`http://127.0.0.1:${admin.port}/healthz`)
    expect(plain.status).toBe(400)
    expect(await plain.json()).toMatchObject({ code: 'ERR_TLS_REQUIRED' })
  })
})

describe('limits on the TLS port', () => {
  it('count a connection from accept: one still in its handshake holds its address\'s slot', async () => {
    const { port, status } = await startTls({ maxConnectionsPerAddress: 1 })
    // A TCP connection that has not even started its handshake.
    const pending = await plainClient(port, '127.0.0.6')
    const refused = await tlsClient(port, '127.0.0.6')
    expect(await refused.next()).toBe('Error: too many connections from your address (limit 1); try again later')
    await refused.closed
    // Another address is served meanwhile.
    const other = await tlsClient(port, '127.0.0.7')
    other.send('404')
    expect(await other.next()).toBe(describeStatus(404))
    pending.destroy()
    // The server sees the close a moment later; until then the address is still at its limit.
    let answer = ''
    await waitUntil(async () => {
      const again = await tlsClient(port, '127.0.0.6')
      again.send('200')
      answer = await again.next()
      again.socket.destroy()
      return answer.startsWith('Code ')
    }, 'the address\'s slot to be free again')
    expect(answer).toBe(describeStatus(200))
  })

  it('count handshakes under way against maxConnections', async () => {
    const { port, status } = await startTls({ maxConnections: 1 })
    const pending = await plainClient(port)
    await waitUntil(() => status.health.readiness().statusCode === 503, 'readiness 503 while the one slot is in a handshake')
    const refused = await tlsClient(port)
    expect(await refused.next()).toBe('Error: too many connections (limit 1); try again later')
    pending.destroy()
    await waitUntil(() => status.health.readiness().statusCode === 200, 'the slot to be free')
  })

  it('cut a handshake that stalls at the first-request deadline, counted from accept', async () => {
    const { port, status } = await startTls({ firstRequestTimeoutMs: 300 })
    const started = Date.now()
    const stalled = await plainClient(port)
    // The first bytes of a TLS record, then nothing: past the plain-text check, into a handshake that never ends.
    stalled.write(Buffer.from([0x16, 0x03, 0x01]))
    await collectUntilClose(stalled)
    expect(Date.now() - started).toBeLessThan(1500)
    const text = await status.metrics.text()
    expect(text).toMatch(/^eventwire_connections_dropped_total\{transport="tcp",reason="first_request_timeout"\} 1$/m)
  })

  it('keep the first-request deadline after the handshake', async () => {
    const { port } = await startTls({ firstRequestTimeoutMs: 300 })
    const c = await tlsClient(port)
    expect(await c.next()).toBe('Error: no request within 300 ms of connecting; closing the connection')
    await c.closed
  })
})

describe('lifecycle with TLS', () => {
  it('close() answers what was read, ends TLS connections and handshakes under way, and resolves', async () => {
    const { port, status } = await startTls()
    const c = await tlsClient(port)
    const pending = await plainClient(port)
    const pendingClosed = once(pending, 'close')
    c.send('404')
    expect(await c.next()).toBe(describeStatus(404))
    await status.close()
    await c.closed
    await pendingClosed
    expect(status.connectionCount).toBe(0)
  })

  it('destroy() resets TLS connections (through their TCP socket) and resolves', async () => {
    const { port, status } = await startTls()
    const c = await tlsClient(port)
    c.send('200')
    expect(await c.next()).toBe(describeStatus(200))
    await plainClient(port)
    await status.destroy()
    await c.closed
  })
})
