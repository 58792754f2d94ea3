import net from 'node:net'
import tls from 'node:tls'
import https from 'node:https'
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Browser, BrowserContext } from 'playwright-core'
import { LineClient, makeTestCertificate } from '@eventwire/testkit'
import { launchChromium } from '@eventwire/testkit/browser'
import { startDoor, type StartedDoor } from './helpers.js'

const certificate = makeTestCertificate()
const serverTls = { cert: certificate.cert, key: certificate.key }
let doors: StartedDoor[] = []
const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await Promise.all(doors.map((d) => d.door.close()))
  doors = []
})
afterAll(() => certificate.remove())

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  const d = await startDoor({ tls: serverTls, ...options })
  doors.push(d)
  return d
}

/** A TLS client that trusts the test certificate, collecting lines once the handshake is done. */
async function tlsClient (port: number): Promise<LineClient> {
  const socket = tls.connect({ port, host: '127.0.0.1', ca: certificate.cert })
  const client = new LineClient(socket)
  cleanups.push(() => client.close())
  await once(socket, 'secureConnect')
  return client
}

/** What a plain TCP client on the TLS port receives until the server closes (or 6 s pass). */
async function plainExchange (port: number, send: string | null): Promise<{ lines: string[], closed: boolean, ms: number }> {
  const started = Date.now()
  const client = await LineClient.connect(port)
  cleanups.push(() => client.close())
  if (send !== null) client.write(send)
  const closed = await Promise.race([client.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 6000))])
  return { lines: client.lines, closed, ms: Date.now() - started }
}

/** `openssl s_client` as an operator would run it; resolves with what it printed once the input is sent. */
function opensslSClient (port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['s_client', '-quiet', '-no_ign_eof', '-connect', `127.0.0.1:${port}`, '-CAfile', certificate.certFile, '-verify_return_error'], { timeout: 10_000 }, (err, stdout) => {
      // s_client exits non-zero when the server closes first; what it printed is the answer.
      if (err !== null && stdout === '') reject(err)
      else resolve(stdout)
    })
    // Closing stdin ends the session (-no_ign_eof) once the state has had time to arrive.
    setTimeout(() => child.stdin?.end(), 1000)
  })
}

describe('door event stream over TLS', () => {
  it('gives a TLS client the current state, then every event', async () => {
    const { sensor, port } = await door()
    sensor.set('close', 1000)
    const c = await tlsClient(port)
    expect(await c.next()).toBe('["close",1000]')
    sensor.set('open', 2000)
    expect(await c.next()).toBe('["open",2000]')
    expect(c.socket).toBeInstanceOf(tls.TLSSocket)
    expect((c.socket as tls.TLSSocket).authorized).toBe(true)
  })

  it('serves openssl s_client -quiet -no_ign_eof -CAfile cert.pem the state frame', async () => {
    const { sensor, port } = await door()
    sensor.set('open', 1234)
    expect(await opensslSClient(port)).toContain('["open",1234]\n')
  })

  it('tells a plain-text client that speaks first, in a refused frame, to use TLS, and closes', async () => {
    const { sensor, port, door: server } = await door()
    sensor.set('open', 1234)
    const { lines, closed } = await plainExchange(port, '["$ping",1]\n')
    expect(closed).toBe(true)
    expect(lines).toHaveLength(1)
    const [name, refusal] = JSON.parse(lines[0] as string) as [string, { code: string, message: string }]
    expect(name).toBe('refused')
    expect(refusal.code).toBe('ERR_TLS_REQUIRED')
    expect(refusal.message).toMatch(/this port speaks TLS: connect with door-client --tls/)
    // It never counted as a client, and the door state was never written to it.
    expect(server.tcp.clientCount).toBe(0)
  })

  it('tells a silent plain-text client (nc waiting for the state) the same after 2 s, no hang', async () => {
    const { port } = await door()
    const { lines, closed, ms } = await plainExchange(port, null)
    expect(closed).toBe(true)
    expect(JSON.parse(lines[0] as string)).toMatchObject(['refused', { code: 'ERR_TLS_REQUIRED' }])
    expect(ms).toBeLessThan(5000)
  })

  it('refuses a client that does not trust the certificate, and goes on serving others', async () => {
    const { sensor, port } = await door()
    sensor.set('close', 7)
    const untrusting = tls.connect({ port, host: '127.0.0.1' })
    const [err] = await once(untrusting, 'error') as [NodeJS.ErrnoException]
    expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    const c = await tlsClient(port)
    expect(await c.next()).toBe('["close",7]')
  })

  it('close() ends a TLS client, even one whose handshake is still finishing on the server side', async () => {
    const { port, door: server } = await door()
    const c = await tlsClient(port)
    await server.close()
    await c.closed
    expect(c.isClosed).toBe(true)
  })
})

/** GET over HTTPS trusting the test certificate. */
async function httpsGet (port: number, path: string): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path, ca: certificate.cert }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

describe('dashboard over HTTPS and WSS', () => {
  it('serves the page and GET /state over HTTPS, /ws over WSS, and a plain HTTP request a 400', async () => {
    const { sensor, webPort } = await door()
    sensor.set('open', 1234)
    expect((await httpsGet(webPort, '/')).body).toContain('<script src="/dashboard.js"></script>')
    expect(JSON.parse((await httpsGet(webPort, '/state')).body)).toMatchObject({ type: 'state', door: 'open', since: 1234 })

    const ws = new WebSocket(`wss://127.0.0.1:${webPort}/ws`, { ca: certificate.cert })
    cleanups.push(() => { ws.terminate() })
    ws.on('error', () => {})
    const [data] = await once(ws, 'message') as [Buffer]
    expect(JSON.parse(String(data))).toMatchObject({ type: 'state', door: 'open' })

    const { lines, closed } = await plainExchange(webPort, 'GET /state HTTP/1.1\r\nhost: x\r\n\r\n')
    expect(closed).toBe(true)
    expect(lines[0]).toBe('HTTP/1.1 400 Bad Request')
    expect(lines.at(-1)).toContain('"code":"ERR_TLS_REQUIRED"')
  })

  describe('in Chromium', () => {
    let browser: Browser
    let context: BrowserContext
    beforeAll(async () => {
      browser = await launchChromium()
      // The test certificate is self-signed: the browser is told to accept it (HTTPS and WSS alike).
      context = await browser.newContext({ ignoreHTTPSErrors: true })
    })
    afterAll(async () => { await browser?.close() })

    it('shows the live state on an https:// page, its WebSocket on wss://', async () => {
      const { sensor, webPort } = await door()
      sensor.set('close')
      const page = await context.newPage()
      cleanups.push(() => page.close())
      const sockets: string[] = []
      page.on('websocket', (ws) => sockets.push(ws.url()))
      await page.goto(`https://127.0.0.1:${webPort}/`)
      await expect.poll(() => page.locator('#door').textContent()).toBe('closed')
      expect(await page.locator('#connection').textContent()).toBe('connected')
      sensor.set('open')
      await expect.poll(() => page.locator('#door').textContent()).toBe('open')
      expect(sockets).toEqual([`wss://127.0.0.1:${webPort}/ws`])
    })

    it('with DOOR_CLIENT_TOKEN: works as /?token=…, and says what is wrong without it instead of retrying', async () => {
      const { sensor, webPort, door: server } = await door({ clientToken: 'page t0ken' })
      sensor.set('open')
      const page = await context.newPage()
      cleanups.push(() => page.close())
      await page.goto(`https://127.0.0.1:${webPort}/?token=${encodeURIComponent('page t0ken')}`)
      await expect.poll(() => page.locator('#door').textContent()).toBe('open')

      await page.goto(`https://127.0.0.1:${webPort}/`)
      await expect.poll(() => page.locator('#connection').textContent()).toBe('refused: this server needs a token, open the page as /?token=…')
      await page.goto(`https://127.0.0.1:${webPort}/?token=wrong`)
      await expect.poll(() => page.locator('#connection').textContent()).toBe('refused: wrong token')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect(server.web.stats.refused.get('unauthorized')).toBe(2) // once each: no retries
      expect(await page.locator('#door').textContent()).toBe('unknown')
    })
  })
})

describe('without tls', () => {
  it('is plain TCP as before', async () => {
    const d = await startDoor()
    doors.push(d)
    d.sensor.set('close', 5)
    const c = await LineClient.connect(d.port)
    cleanups.push(() => c.close())
    expect(await c.next()).toBe('["close",5]')
    expect(c.socket).toBeInstanceOf(net.Socket)
  })
})
