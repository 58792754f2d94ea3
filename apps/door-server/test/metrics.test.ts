import net from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { parsePrometheusText, type PrometheusText } from '@eventwire/kit/metrics'
import { startDoor, type StartedDoor } from './helpers.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => { for (const fn of cleanups.splice(0).reverse()) await fn() })

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  const started = await startDoor(options)
  cleanups.push(() => started.door.close())
  return started
}

async function client (port: number): Promise<LineClient> {
  const c = await LineClient.connect(port)
  cleanups.push(() => c.socket.destroy())
  return c
}

/** GET /metrics on the web port over real HTTP, read by the kit's strict text-format reader. */
async function scrape (webPort: number): Promise<PrometheusText> {
  const res = await fetch(`http://127.0.0.1:${webPort}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(await res.text())
}

const tcp = { transport: 'tcp' }
const ws = { transport: 'ws' }

describe('door-server GET /metrics (in-process)', () => {
  it('counts TCP clients accepted and refused past maxConnections, events delivered and their bytes, and the door', async () => {
    const d = await door({ maxConnections: 2 })
    const before = await scrape(d.webPort)
    expect(before.value('eventwire_connections_refused_total', { ...tcp, reason: 'max_connections' })).toBe(0)
    expect(before.samples('eventwire_door_state')).toEqual([]) // no reading yet
    expect(before.value('eventwire_ready')).toBe(1)

    const a = await client(d.port)
    const b = await client(d.port)
    await waitUntil(() => d.door.tcp.clientCount === 2, 'two clients')
    const third = net.connect(d.port, '127.0.0.1')
    third.on('error', () => {})
    cleanups.push(() => third.destroy())
    await once(third, 'close') // Node closes it at accept: maxConnections
    d.sensor.set('open', 1_700_000_000_000)
    expect(await a.next()).toBe('["open",1700000000000]')
    expect(await b.next()).toBe('["open",1700000000000]')

    const after = await scrape(d.webPort)
    expect(after.value('eventwire_connections_open', tcp)).toBe(2)
    expect(after.value('eventwire_connections_accepted_total', tcp)).toBe(2)
    expect(after.value('eventwire_connections_refused_total', { ...tcp, reason: 'max_connections' })).toBe(1)
    expect(after.value('eventwire_messages_delivered_total', tcp)).toBe(2)
    expect(after.value('eventwire_sent_bytes_total', tcp)).toBe(2 * Buffer.byteLength('["open",1700000000000]\n'))
    expect(after.value('eventwire_received_bytes_total', tcp)).toBe(0)
    expect(after.value('eventwire_send_queue_bytes', tcp)).toBe(0)
    expect(after.value('eventwire_door_events_total', { event: 'open' })).toBe(1)
    expect(after.value('eventwire_door_state', { state: 'open' })).toBe(1)
    expect(after.value('eventwire_door_state', { state: 'close' })).toBe(0)
    expect(after.value('eventwire_door_sensor_online')).toBe(1)
    expect(after.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge')
  })

  it('counts a client dropped for bad input, by reason, and the browsers on /ws, refused origins included', async () => {
    const d = await door()
    const bad = await client(d.port)
    bad.send('this is not json')
    await bad.closed
    await waitUntil(() => d.door.tcp.clientCount === 0, 'the bad client gone')

    const page = new WebSocket(`ws://127.0.0.1:${d.webPort}/ws`)
    cleanups.push(() => page.terminate())
    const first = once(page, 'message')
    await once(page, 'open')
    await first
    const refused = new WebSocket(`ws://127.0.0.1:${d.webPort}/ws`, { headers: { origin: 'http://evil.example' } })
    refused.on('error', () => {})
    await once(refused, 'unexpected-response')
    refused.terminate()

    const metrics = await scrape(d.webPort)
    expect(metrics.value('eventwire_connections_dropped_total', { ...tcp, reason: 'bad_input' })).toBe(1)
    expect(metrics.value('eventwire_connections_dropped_total', { ...tcp, reason: 'not_reading' })).toBe(0)
    expect(metrics.value('eventwire_received_bytes_total', tcp)).toBe(Buffer.byteLength('this is not json\n'))
    expect(metrics.value('eventwire_connections_open', ws)).toBe(1)
    expect(metrics.value('eventwire_connections_accepted_total', ws)).toBe(1)
    expect(metrics.value('eventwire_connections_refused_total', { ...ws, reason: 'origin' })).toBe(1)
    expect(metrics.value('eventwire_messages_delivered_total', ws)).toBe(1)
    expect(metrics.value('eventwire_sent_bytes_total', ws)).toBeGreaterThan(0)
  })
})

describe('door-server /healthz and /readyz in every mode', () => {
  it('answers both in-process, in the shared shape', async () => {
    const d = await door()
    const health = await fetch(`http://127.0.0.1:${d.webPort}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`http://127.0.0.1:${d.webPort}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready' })
    expect(d.door.health.ready).toBe(true)
  })

  it('is not ready before it listens', async () => {
    const { createDoorServer, ManualSensor } = await import('../src/index.js')
    const unstarted = createDoorServer({ sensor: new ManualSensor() })
    cleanups.push(() => unstarted.close())
    const res = await unstarted.web.app.inject('/readyz')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ statusCode: 503, code: 'ERR_NOT_LISTENING', error: 'Service Unavailable', status: 'unavailable' })
  })
})
