import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { parsePrometheusText, type PrometheusText } from '@eventwire/kit/metrics'
import { replyFor } from '@eventwire/status-server'
import { get, onCleanup, rawUpstream, startBridge, startStatus } from './helpers.js'

/** GET /metrics over real HTTP, read by the kit's strict text-format reader. */
async function scrape (url: string): Promise<PrometheusText> {
  const res = await get(url + '/metrics')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(res.body)
}

const upstream = { transport: 'upstream' }

describe('http-bridge GET /metrics', () => {
  it('counts lookups by outcome with their latency, and the lines and bytes on the upstream links', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port, connections: 2, probeIntervalMs: 60_000 })
    const before = await scrape(url)
    expect(before.value('eventwire_bridge_lookups_total', { outcome: 'ok' })).toBe(0)
    expect(before.value('eventwire_bridge_lookups_total', { outcome: 'ERR_UNKNOWN_STATUS_CODE' })).toBe(0)
    expect(before.value('eventwire_bridge_upstream_links', { state: 'connected' })).toBe(2)
    expect(before.value('eventwire_ready')).toBe(1)

    for (let i = 0; i < 5; i++) expect((await get(url + '/status/404')).status).toBe(200)
    expect((await get(url + '/?statusCode=999')).status).toBe(404)
    expect((await get(url + '/status/4044')).status).toBe(400) // refused by validation: no lookup

    const after = await scrape(url)
    expect(after.value('eventwire_bridge_lookups_total', { outcome: 'ok' })).toBe(5)
    expect(after.value('eventwire_bridge_lookups_total', { outcome: 'ERR_UNKNOWN_STATUS_CODE' })).toBe(1)
    expect(after.value('eventwire_bridge_lookups_total', { outcome: 'ERR_UPSTREAM_TIMEOUT' })).toBe(0)
    expect(after.value('eventwire_bridge_lookup_duration_seconds_count', { result: 'ok' })).toBe(5)
    expect(after.value('eventwire_bridge_lookup_duration_seconds_count', { result: 'error' })).toBe(1)
    expect(after.value('eventwire_bridge_lookup_duration_seconds_bucket', { result: 'ok', le: '+Inf' })).toBe(5)
    expect(after.value('eventwire_sent_frames_total', upstream)).toBe(6)
    expect(after.value('eventwire_received_frames_total', upstream)).toBe(6)
    expect(after.value('eventwire_sent_bytes_total', upstream)).toBe(6 * 4)
    expect(after.value('eventwire_received_bytes_total', upstream)).toBe(Buffer.byteLength(replyFor('404').repeat(5) + replyFor('999')))
    expect(after.value('eventwire_connections_open', upstream)).toBe(2)
    expect(after.value('eventwire_bridge_upstream_connects_total')).toBe(2)
    expect(after.value('eventwire_connections_accepted_total', { transport: 'http' })).toBeGreaterThanOrEqual(1)
    expect(after.value('eventwire_connections_open', { transport: 'http' })).toBeGreaterThanOrEqual(1)
    expect(after.families.get('process_cpu_seconds_total')?.type).toBe('counter')
  })

  it('shows a stalled lookup in flight, then its timeout; and the links and readiness while status-server is unreachable', async () => {
    const stalled = await rawUpstream() // reads, never answers
    const { url } = await startBridge({ statusPort: stalled.port, connections: 1, timeoutMs: 300, probeIntervalMs: 60_000 })
    const pending = get(url + '/status/404')
    await waitUntil(() => stalled.received().includes('404\n'), 'the lookup on the wire')
    expect((await scrape(url)).value('eventwire_bridge_lookups_in_flight')).toBe(1)
    expect((await pending).status).toBe(504)
    const timedOut = await scrape(url)
    expect(timedOut.value('eventwire_bridge_lookups_total', { outcome: 'ERR_UPSTREAM_TIMEOUT' })).toBe(1)
    // The 504 cannot come before the deadline: the error series holds at least the timeout.
    expect(timedOut.value('eventwire_bridge_lookup_duration_seconds_sum', { result: 'error' })).toBeGreaterThanOrEqual(0.3)

    const gone = net.createServer()
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve))
    const { port } = gone.address() as net.AddressInfo
    await new Promise((resolve) => gone.close(resolve)) // nobody listens there now
    const down = await startBridge({ statusPort: port, connections: 2 }, false)
    await waitUntil(async () => (await scrape(down.url)).value('eventwire_bridge_upstream_links', { state: 'unreachable' }) === 2, 'both links unreachable')
    expect((await get(down.url + '/status/404')).status).toBe(503)
    const metrics = await scrape(down.url)
    expect(metrics.value('eventwire_bridge_lookups_total', { outcome: 'ERR_UPSTREAM_DOWN' })).toBe(1)
    expect(metrics.value('eventwire_ready')).toBe(0)
    expect(metrics.value('eventwire_connections_open', upstream)).toBe(0)
  })

  it('counts a link the bridge closed because a reply did not match, by reason', async () => {
    const wrong = await rawUpstream((chunk, socket) => {
      socket.write(chunk.split('\n').slice(0, -1).map((line) => replyFor(line === '404' ? '500' : line)).join(''))
    })
    const { url } = await startBridge({ statusPort: wrong.port, connections: 1, probeIntervalMs: 60_000 })
    expect((await get(url + '/status/404')).status).toBe(502)
    await waitUntil(async () => (await scrape(url)).value('eventwire_connections_dropped_total', { ...upstream, reason: 'reply_mismatch' }) === 1, 'the drop counted')
    const metrics = await scrape(url)
    expect(metrics.value('eventwire_bridge_lookups_total', { outcome: 'ERR_BAD_UPSTREAM_REPLY' })).toBe(1)
    expect(metrics.value('eventwire_connections_dropped_total', { ...upstream, reason: 'unresponsive' })).toBe(0)
  })

  it('counts HTTP connections refused past httpLimits.maxConnections', async () => {
    const { port } = await startStatus()
    const { url, bridge } = await startBridge({ statusPort: port, httpLimits: { maxConnections: 2 } })
    const bridgePort = Number(new URL(url).port)
    const held = await Promise.all([connect(bridgePort), connect(bridgePort)])
    await waitUntil(async () => await connections(bridge.app.server) === 2, 'two held')
    const third = await connect(bridgePort)
    await once(third, 'close') // dropped at accept
    for (const socket of held) socket.destroy()
    await waitUntil(async () => await connections(bridge.app.server) === 0, 'the held ones gone')
    const metrics = await scrape(url)
    expect(metrics.value('eventwire_connections_refused_total', { transport: 'http', reason: 'max_connections' })).toBe(1)
  })
})

async function connect (port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  onCleanup(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

function connections (server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, count) => { if (err !== null) reject(err); else resolve(count) }))
}
