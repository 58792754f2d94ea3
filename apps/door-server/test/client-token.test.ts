import net from 'node:net'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { RemoteEmitter } from '@eventwire/protocol'
import { createDoorServer, ManualSensor } from '../src/index.js'
import { startDoor, type StartedDoor } from './helpers.js'

const TOKEN = 'door-t0ken-ünïcode'
const require = createRequire(import.meta.url)
type DuplexEmitter = { on: (event: string, listener: (...args: any[]) => void) => void, emit: (event: string, ...args: unknown[]) => void }
const duplexEmitter = require('duplex-emitter') as (stream: net.Socket) => DuplexEmitter

let doors: StartedDoor[] = []
const clients: LineClient[] = []
const sockets: net.Socket[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(doors.map((d) => d.door.close()))
  doors = []
})

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  const d = await startDoor({ clientToken: TOKEN, ...options })
  doors.push(d)
  return d
}

async function client (port: number): Promise<LineClient> {
  const c = await LineClient.connect(port)
  clients.push(c)
  return c
}

/** The one frame a refused client gets, after which the server closes. */
async function refusal (c: LineClient): Promise<{ code: string, message: string }> {
  await c.closed
  expect(c.lines).toHaveLength(1)
  const [name, body] = JSON.parse(c.lines[0] as string) as [string, { code: string, message: string }]
  expect(name).toBe('refused')
  return body
}

describe('DOOR_CLIENT_TOKEN on the TCP port', () => {
  it('serves a client whose first frame is ["auth", token]: the state first, then events, exactly as without a token', async () => {
    const { sensor, port, door: server } = await door()
    sensor.set('close', 1000)
    const c = await client(port)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(c.lines).toEqual([]) // nothing before the auth frame, not even the state
    expect(server.tcp.clientCount).toBe(0)
    c.send(JSON.stringify(['auth', TOKEN]))
    expect(await c.next()).toBe('["close",1000]')
    sensor.set('open', 2000)
    expect(await c.next()).toBe('["open",2000]')
    expect(server.tcp.clientCount).toBe(1)
  })

  it('reads the auth frame byte by byte, and hands what followed it in the same chunk to the emitter', async () => {
    const { sensor, port } = await door()
    sensor.set('open', 5)
    const bytes = Buffer.from(JSON.stringify(['auth', TOKEN]) + '\r\n')
    for (const split of [1, 10, bytes.length - 3]) {
      const c = await client(port)
      // Split inside the multi-byte characters too: the token compares as bytes decoded whole.
      c.write(bytes.subarray(0, split))
      await new Promise((resolve) => setImmediate(resolve))
      c.write(Buffer.concat([bytes.subarray(split), Buffer.from('["$ping",7]\n')]))
      expect(await c.take(2)).toEqual(['["open",5]', '["$pong",7]'])
    }
  })

  it('refuses a wrong token with a refused frame and a close; the others go on', async () => {
    const { sensor, port, door: server, logger } = await door()
    sensor.set('close', 1)
    const good = await client(port)
    good.send(JSON.stringify(['auth', TOKEN]))
    await good.next()
    const bad = await client(port)
    bad.send('["auth","guess"]')
    expect(await refusal(bad)).toEqual({ code: 'ERR_UNAUTHORIZED', message: 'wrong token' })
    sensor.set('open', 2)
    expect(await good.next()).toBe('["open",2]')
    expect(server.tcp.stats.refused.get('unauthorized')).toBe(1)
    expect(logger.lines.find((l) => l.message === 'refused a client that did not authenticate')?.fields).toMatchObject({ reason: 'wrong token' })
    expect(JSON.stringify(logger.lines)).not.toContain('guess')
  })

  it('refuses a first frame that is not the auth frame (a $ping is not answered either)', async () => {
    const { sensor, port } = await door()
    sensor.set('close', 1)
    for (const first of ['["$ping",1]', '["open",1]', 'not json', '["auth"]', '["auth","x","extra"]']) {
      const c = await client(port)
      c.send(first)
      const body = await refusal(c)
      expect(body.code).toBe('ERR_UNAUTHORIZED')
      expect(body.message).toMatch(first.startsWith('["auth"') ? /^wrong token$/ : /^this server needs a token: send \["auth","token"\] first$/)
    }
  })

  it('refuses a first line longer than maxLineBytes at once, without waiting for its end', async () => {
    const { port } = await door({ maxLineBytes: 256 })
    const c = await client(port)
    c.write('["auth","' + 'x'.repeat(300))
    expect((await refusal(c)).message).toMatch(/send \["auth","token"\] first/)
  })

  it('runs one deadline timer however many clients are authenticating', async () => {
    const { port } = await door()
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    await client(port)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const withOne = timers()
    for (let i = 0; i < 20; i++) await client(port)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(timers()).toBeLessThanOrEqual(withOne) // one timer each would be 19 more
  })

  it('refuses a client that sends nothing within authTimeoutMs, each on its own deadline', async () => {
    const { port } = await door({ authTimeoutMs: 300 })
    const first = await client(port)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const second = await client(port)
    const started = Date.now()
    expect(await refusal(first)).toEqual({ code: 'ERR_UNAUTHORIZED', message: 'timed out waiting for ["auth","token"] (300 ms)' })
    const firstAfter = Date.now() - started
    await refusal(second)
    const secondAfter = Date.now() - started
    expect(firstAfter).toBeLessThan(300)
    expect(secondAfter).toBeGreaterThanOrEqual(250)
    expect(secondAfter).toBeLessThan(1000)
  })

  it('drops a later ["auth", …] frame: no event for anyone, the connection stays', async () => {
    const { sensor, port, logger } = await door()
    sensor.set('close', 1)
    const a = await client(port)
    a.send(JSON.stringify(['auth', TOKEN]))
    const b = await client(port)
    b.send(JSON.stringify(['auth', TOKEN]))
    await a.next()
    await b.next()
    a.send(JSON.stringify(['auth', TOKEN]))
    a.send('["$ping",1]')
    expect(await a.next()).toBe('["$pong",1]')
    sensor.set('open', 2)
    expect(await b.next()).toBe('["open",2]')
    expect(b.lines).toEqual(['["close",1]', '["open",2]'])
    expect(logger.has('dropped an auth frame from a client that is not authenticating')).toBe(true)
  })

  it('lets a plain duplex-emitter client in with emit("auth", token), and tells a wrong one why', async () => {
    const { sensor, port } = await door()
    sensor.set('open', 42)
    const socket = net.connect(port, '127.0.0.1')
    sockets.push(socket)
    socket.on('error', () => {})
    const remote = duplexEmitter(socket)
    const heard: unknown[][] = []
    remote.on('open', (at: unknown) => heard.push(['open', at]))
    remote.on('close', (at: unknown) => heard.push(['close', at]))
    remote.emit('auth', TOKEN)
    await waitUntil(() => heard.length === 1, 'the state')
    sensor.set('close', 43)
    await waitUntil(() => heard.length === 2, 'the event')
    expect(heard).toEqual([['open', 42], ['close', 43]])

    const wrong = net.connect(port, '127.0.0.1')
    sockets.push(wrong)
    wrong.on('error', () => {})
    const refused = duplexEmitter(wrong)
    const why = new Promise<unknown>((resolve) => refused.on('refused', resolve))
    refused.emit('auth', 'nope')
    expect(await why).toEqual({ code: 'ERR_UNAUTHORIZED', message: 'wrong token' })
  })

  it('lets our RemoteEmitter in the way an outside project would use it', async () => {
    const { sensor, port } = await door()
    sensor.set('close', 9)
    const socket = net.connect(port, '127.0.0.1')
    sockets.push(socket)
    await once(socket, 'connect')
    const remote = new RemoteEmitter(socket)
    const first = new Promise<unknown[]>((resolve) => remote.on('close', (at: unknown) => resolve(['close', at])))
    remote.emit('auth', TOKEN)
    expect(await first).toEqual(['close', 9])
    remote.destroy()
  })

  it('close() destroys clients still authenticating, and clears their deadline', async () => {
    const { port, door: server } = await door()
    const c = await client(port)
    await new Promise((resolve) => setTimeout(resolve, 50)) // accepted and waiting in the gate
    await server.close()
    await c.closed
    expect(c.lines).toEqual([])
  })

  it('without a token, a client that sends ["auth", …] anyway is served as before', async () => {
    const d = await startDoor()
    doors.push(d)
    d.sensor.set('close', 3)
    const c = await client(d.port)
    c.send('["auth","whatever"]')
    expect(await c.next()).toBe('["close",3]')
    d.sensor.set('open', 4)
    expect(await c.next()).toBe('["open",4]')
  })

  it('checks the option: an empty token, or one that cannot fit in a line, throws ERR_INVALID_OPTION', () => {
    const sensor = new ManualSensor()
    expect(() => createDoorServer({ sensor, clientToken: '' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
    expect(() => createDoorServer({ sensor, clientToken: 'x'.repeat(2000) })).toThrow(/clientToken is too long/)
    expect(() => createDoorServer({ sensor, authTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
  })
})

describe('DOOR_CLIENT_TOKEN on the dashboard', () => {
  it('wants the token for GET /state (?token= or Bearer), not for the page', async () => {
    const { sensor, webPort } = await door()
    sensor.set('open', 1)
    const base = `http://127.0.0.1:${webPort}`
    expect((await fetch(`${base}/`)).status).toBe(200)
    const refused = await fetch(`${base}/state`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ statusCode: 401, code: 'ERR_UNAUTHORIZED' })
    expect((await fetch(`${base}/state?token=wrong`)).status).toBe(401)
    expect((await fetch(`${base}/state?token=${encodeURIComponent(TOKEN)}`)).status).toBe(200)
    expect((await fetch(`${base}/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect((await fetch(`${base}/healthz`)).status).toBe(200) // probes stay open
  })

  it('closes /ws with 4401 and no state without the token; serves it with ?token=', async () => {
    const { default: WebSocket } = await import('ws')
    const { sensor, webPort, door: server } = await door()
    sensor.set('open', 1)
    const open = async (query: string): Promise<{ code: number, messages: string[] }> => {
      const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws${query}`)
      const messages: string[] = []
      ws.on('message', (data) => { messages.push(String(data)); if (messages.length === 1 && query !== '') ws.close() })
      ws.on('error', () => {})
      const [code] = await once(ws, 'close') as [number]
      return { code, messages }
    }
    expect(await open('')).toEqual({ code: 4401, messages: [] })
    expect(await open('?token=wrong')).toEqual({ code: 4401, messages: [] })
    const served = await open(`?token=${encodeURIComponent(TOKEN)}`)
    expect(JSON.parse(served.messages[0] as string)).toMatchObject({ type: 'state', door: 'open' })
    expect(server.web.stats.refused.get('unauthorized')).toBe(2)
  })
})
