import net from 'node:net'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { InProcessDoorBus } from '../src/index.js'
import { frame, startDoor, type StartedDoor } from './helpers.js'

const require = createRequire(import.meta.url)
const duplexEmitter = require('duplex-emitter') as (stream: net.Socket) => {
  on: (event: string, listener: (...args: unknown[]) => void) => void
}

let started: StartedDoor | null = null
const clients: LineClient[] = []
const sockets: net.Socket[] = []

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  started = await startDoor(options)
  return started
}

async function client (port: number): Promise<LineClient> {
  const c = await LineClient.connect(port)
  clients.push(c)
  return c
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  for (const s of sockets.splice(0)) s.destroy()
  await started?.door.close()
  started = null
})

describe('door-server TCP broadcast', () => {
  it('sends every change to every client, in order, as duplex-emitter frames', async () => {
    const { sensor, port, door: server } = await door()
    const a = await client(port)
    const b = await client(port)
    await waitUntil(() => server.tcp.clientCount === 2, 'two clients registered')
    const times = [1_700_000_000_001, 1_700_000_000_002, 1_700_000_000_003, 1_700_000_000_004]
    sensor.set('open', times[0])
    sensor.set('close', times[1])
    sensor.set('close', 1_700_000_000_999) // same state again: a sign of life, not news
    sensor.set('open', times[2])
    sensor.set('close', times[3])
    const expected = ['["open",1700000000001]', '["close",1700000000002]', '["open",1700000000003]', '["close",1700000000004]']
    expect(await a.take(4)).toEqual(expected)
    expect(await b.take(4)).toEqual(expected)
  })

  it('gives a late joiner the current state with the time it began, at once', async () => {
    const { sensor, port } = await door()
    sensor.set('close', 1000)
    sensor.set('open', 2000)
    const late = await client(port)
    expect(await late.next()).toBe('["open",2000]')
    sensor.set('close', 3000)
    expect(await late.next()).toBe('["close",3000]')
    expect(late.lines).toEqual(['["open",2000]', '["close",3000]'])
  })

  it('sends nothing before the first reading, then the first reading', async () => {
    const { sensor, port } = await door()
    const c = await client(port)
    sensor.set('close', 5)
    expect(await c.next()).toBe('["close",5]')
  })

  it('is understood by the real duplex-emitter npm package', async () => {
    const { sensor, port } = await door()
    sensor.set('close', 10)
    const socket = net.connect(port, '127.0.0.1')
    sockets.push(socket)
    socket.on('error', () => {})
    const remote = duplexEmitter(socket)
    const seen: Array<[string, unknown]> = []
    for (const name of ['open', 'close', 'offline', 'online']) remote.on(name, (at) => seen.push([name, at]))
    await once(socket, 'connect')
    await waitUntil(() => seen.length === 1, 'the current state')
    sensor.set('open', 20)
    sensor.end() // source gone: offline
    await waitUntil(() => seen.length === 3, 'open and offline')
    expect(seen.slice(0, 2)).toEqual([['close', 10], ['open', 20]])
    expect(seen[2]?.[0]).toBe('offline')
    expect(typeof seen[2]?.[1]).toBe('number')
  })

  it('closes a client that sends garbage; the server and the other clients go on undelayed', async () => {
    const { sensor, port, door: server, logger } = await door()
    const good = await client(port)
    const bad = await client(port)
    await waitUntil(() => server.tcp.clientCount === 2, 'two clients')
    bad.write('this is not json\n')
    await bad.closed
    sensor.set('open', 1)
    expect(await good.next()).toBe('["open",1]')
    // An endless line is cut off at maxLineBytes, not buffered.
    const flood = await client(port)
    flood.write('x'.repeat(64 * 1024))
    await flood.closed
    expect(flood.lines).toEqual(['["open",1]'])
    sensor.set('close', 2)
    expect(await good.next()).toBe('["close",2]')
    expect(server.tcp.clientCount).toBe(1)
    expect(logger.has('client connection error; closing it')).toBe(true)
  })

  it('ignores well-formed frames a client sends (clients have nothing to say)', async () => {
    const { sensor, port } = await door()
    const c = await client(port)
    c.send('["open",1]')
    c.send('["hello","world"]')
    sensor.set('close', 7)
    expect(await c.next()).toBe('["close",7]')
    expect(c.isClosed).toBe(false)
  })

  it('answers heartbeat pings, never pings on its own, and closes a pinging client that goes quiet', async () => {
    const { sensor, port } = await door({ heartbeatTimeoutMs: 300 })
    sensor.set('close', 1)
    const quiet = await client(port) // nc-style: never pings, must never be timed out
    const pinger = await client(port)
    expect(await pinger.next()).toBe('["close",1]')
    pinger.send('["$ping",1]')
    expect(await pinger.next()).toBe('["$pong",1]')
    const started = Date.now()
    await pinger.closed
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(quiet.isClosed).toBe(false)
    expect(quiet.lines).toEqual(['["close",1]'])
  })

  it('tells clients when the sensor goes quiet, and again when it is back', async () => {
    const { sensor, port } = await door({ offlineAfterMs: 200 })
    const c = await client(port)
    const before = Date.now()
    sensor.set('open', before)
    expect(await c.next()).toBe(`["open",${before}]`)
    const [name, at] = frame(await c.next(2000))
    expect(name).toBe('offline')
    expect(at - before).toBeGreaterThanOrEqual(190)
    // A late joiner hears the last state and that it is stale.
    const late = await client(port)
    expect(await late.take(2)).toEqual([`["open",${before}]`, `["offline",${at}]`])
    sensor.set('open', at + 5) // same state: back online, state repeated with its original start
    expect(frame(await c.next())).toEqual(['online', at + 5])
    expect(await c.next()).toBe(`["open",${before}]`)
    sensor.set('close', at + 6)
    expect(await c.next()).toBe(`["close",${at + 6}]`)
  })

  it('ends every client cleanly on close() and stops accepting', async () => {
    const bus = new InProcessDoorBus()
    const { sensor, port, door: server } = await door({ bus })
    expect(bus.subscriberCount).toBe(2) // TCP and the dashboard
    sensor.set('open', 3)
    const c = await client(port)
    expect(await c.next()).toBe('["open",3]')
    await server.close()
    await c.closed
    expect(c.lines).toEqual(['["open",3]'])
    const refused = net.connect(port, '127.0.0.1')
    const [err] = await once(refused, 'error') as [NodeJS.ErrnoException]
    expect(err.code).toBe('ECONNREFUSED')
    expect(sensor.listenerCount('reading')).toBe(0)
    expect(bus.subscriberCount).toBe(0)
  })
})
