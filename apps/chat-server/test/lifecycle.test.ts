import net from 'node:net'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LineClient, startChild, type ChildHandle, buildPackage } from '@eventwire/testkit'
import { openedInTest, startServer, tcpJoin } from './helpers.js'
import { WsClient } from './ws-client.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let child: ChildHandle | undefined

// Registered before openedInTest's, so it runs after it: the child stops once the clients and the server are closed.
afterEach(async () => {
  await child?.stop()
  child = undefined
})

const opened = openedInTest()
const { clients } = opened

async function refused (port: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    socket.destroy()
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED'
  }
}

describe('graceful close', () => {
  it('tells every member, closes them, and stops listening', async () => {
    opened.started = await startServer({ closeGraceMs: 300 })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const web = await WsClient.connect(opened.started.webPort)
    await web.waitFor('welcome')
    await tom.waitFor(/joined$/)
    // A member who stopped reading must not hold the shutdown up beyond closeGraceMs.
    const stuck = await LineClient.connect(opened.started.tcpPort)
    clients.push(stuck)
    stuck.socket.pause()
    await tom.waitFor(/joined$/)

    const t0 = Date.now()
    await opened.started.server.close()
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(await tom.next()).toBe('* the server is shutting down, bye')
    await tom.closed
    expect(await web.waitFor('system')).toEqual({ type: 'system', text: 'the server is shutting down, bye' })
    expect((await web.closed).code).toBe(1001)
    expect(await refused(opened.started.tcpPort)).toBe(true)
    expect(await refused(opened.started.webPort)).toBe(true)
    expect(opened.started.server.room.size).toBe(0)
  })
})

/** Resolves with the promise's value, or rejects if it has not settled in `ms`: a waiter that was lost. */
async function settlesWithin<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} never resolved`)), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

describe('waiting for the transports to drain', () => {
  it('resolves every caller of drained(), not only the last, on TCP and WebSocket', async () => {
    opened.started = await startServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const web = await WsClient.connect(opened.started.webPort)
    await web.waitFor('welcome')
    const { tcp, web: webSide } = opened.started.server
    const waiters = [
      settlesWithin(tcp.drained(), 5000, 'the first tcp.drained()'),
      settlesWithin(tcp.drained(), 5000, 'the second tcp.drained()'),
      settlesWithin(webSide.drained(), 5000, 'the first web.drained()'),
      settlesWithin(webSide.drained(), 5000, 'the second web.drained()')
    ]
    await tom.close()
    await web.close()
    await expect(Promise.all(waiters)).resolves.toEqual([undefined, undefined, undefined, undefined])
  })
})

describe('the built main', () => {
  beforeAll(() => {
    // Tests run from source; this one checks the artifact `pnpm start` runs.
    buildPackage(appDir)
  }, 60_000)

  it('logs its addresses, serves both transports, and drains on SIGTERM', async () => {
    child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_WEB_PORT: '0', CHAT_IRC_PORT: '0', LOG_LEVEL: 'info' } })
    const line = await child.waitForLine(/chat-server listening/, 10_000, { earlier: true })
    const log = JSON.parse(line) as { tcp: string, web: string }
    const tcpPort = Number(log.tcp.split(':').pop())
    const webPort = Number(log.web.split(':').pop())
    const health = await fetch(`http://127.0.0.1:${webPort}/healthz`)
    expect(await health.json()).toEqual({ status: 'ok', members: 0, tcp: 0, ws: 0 })
    const tom = await tcpJoin(tcpPort, 'tom', clients)
    expect(await child.stop()).toBe(0)
    expect(await tom.next()).toBe('* the server is shutting down, bye')
    await tom.closed
    expect(child.stdout.some((l) => l.includes('chat-server stopped'))).toBe(true)
  })

  it('refuses a bad port setting with one clear line and exit 2', async () => {
    child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { CHAT_PORT: 'eighty' } })
    expect(await child.exited).toBe(2)
    expect(child.stderr).toEqual([expect.stringContaining('CHAT_PORT must be a whole number')])
  })

  it('refuses a CHAT_ALLOWED_ORIGINS entry that is not an origin, naming it', async () => {
    child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { CHAT_PORT: '0', CHAT_WEB_PORT: '0', CHAT_IRC_PORT: '0', CHAT_ALLOWED_ORIGINS: 'https://ok.example, chat.example.com/path' } })
    expect(await child.exited).toBe(2)
    expect(child.stderr.join('\n')).toContain('CHAT_ALLOWED_ORIGINS: "chat.example.com/path" is not an origin')
  })

  it('lets an origin from CHAT_ALLOWED_ORIGINS open /ws and refuses others', async () => {
    child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_WEB_PORT: '0', CHAT_IRC_PORT: '0', CHAT_ALLOWED_ORIGINS: 'https://chat.example.com' } })
    const log = JSON.parse(await child.waitForLine(/chat-server listening/, 10_000, { earlier: true })) as { web: string }
    const webPort = Number(log.web.split(':').pop())
    const friend = await WsClient.connect(webPort, { origin: 'https://chat.example.com' })
    expect(await friend.waitFor('welcome')).toMatchObject({ online: 1 })
    await friend.close()
    const { default: WebSocket } = await import('ws')
    const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`, { origin: 'https://evil.example' })
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
      ws.on('error', () => resolve(-1))
    })
    expect(status).toBe(403)
  })
})
