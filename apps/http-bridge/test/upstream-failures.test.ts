import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { describeStatus, replyFor } from '@eventwire/status-server'
import { get, rawUpstream, startBridge, startStatus } from './helpers.js'

const answerLines = (chunk: string): string => chunk.split('\n').slice(0, -1).map((line) => replyFor(line)).join('')

describe('http-bridge when status-server misbehaves', () => {
  it('answers 504 in about timeoutMs when the upstream accepts and never answers', async () => {
    const upstream = await rawUpstream() // reads, never writes
    const { url } = await startBridge({ statusPort: upstream.port, timeoutMs: 300 })
    const results = await Promise.all(Array.from({ length: 10 }, async () => await get(url + '/status/404')))
    for (const res of results) {
      expect(res.status).toBe(504)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      expect(JSON.parse(res.body)).toEqual({ statusCode: 504, code: 'ERR_UPSTREAM_TIMEOUT', error: 'Gateway Timeout', message: 'status-server did not answer within 300 ms' })
      expect(res.ms).toBeGreaterThanOrEqual(290)
      expect(res.ms).toBeLessThan(1500)
    }
    expect(upstream.received()).toBe('404\n'.repeat(10))
  })

  it('drops a reply that comes after its request timed out instead of giving it to the next request', async () => {
    let held = ''
    const upstream = await rawUpstream((chunk, socket) => {
      if (chunk === '404\n') { held = answerLines(chunk); return } // too late, see below
      socket.write(held + answerLines(chunk)) // the late 404 reply, then the 500 reply
      held = ''
    })
    const { url } = await startBridge({ statusPort: upstream.port, timeoutMs: 300, connections: 1 })
    expect((await get(url + '/status/404')).status).toBe(504)
    const next = await get(url + '/status/500')
    expect(next.status).toBe(200)
    expect(JSON.parse(next.body)).toEqual({ code: 500, data: describeStatus(500) })
    expect(upstream.received()).toBe('404\n500\n')
  })

  it('recycles a connection that answers nothing for two timeouts', async () => {
    const upstream = await rawUpstream()
    const { url, bridge } = await startBridge({ statusPort: upstream.port, timeoutMs: 100, connections: 1, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } })
    expect((await get(url + '/status/404')).status).toBe(504)
    await waitUntil(() => upstream.sockets.length >= 2, 'a second connection', 3000)
    await bridge.waitForUpstream()
    expect(upstream.sockets[0]?.destroyed).toBe(true)
  })

  it('answers 503 with Retry-After at once when maxInFlight lookups are waiting', async () => {
    const upstream = await rawUpstream()
    const { url, bridge } = await startBridge({ statusPort: upstream.port, timeoutMs: 1000, maxInFlight: 5 })
    const waiting = Array.from({ length: 5 }, async () => await get(url + '/status/200'))
    await waitUntil(() => bridge.upstream.inFlight === 5, 'five lookups in flight')
    const full = await get(url + '/status/200')
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toBe('1')
    expect(JSON.parse(full.body)).toMatchObject({ statusCode: 503, code: 'ERR_QUEUE_FULL' })
    expect(full.ms).toBeLessThan(900)
    for (const res of await Promise.all(waiting)) expect(res.status).toBe(504)
  })

  it('answers 503 with Retry-After at once when status-server was never reachable', async () => {
    const gone = await rawUpstream()
    const port = gone.port
    await new Promise((resolve) => gone.server.close(resolve)) // a port with nobody listening
    const { url, bridge } = await startBridge({ statusPort: port, timeoutMs: 5000 }, false)
    const res = await get(url + '/status/404')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 503, code: 'ERR_UPSTREAM_DOWN', error: 'Service Unavailable' })
    expect(res.ms).toBeLessThan(2500)
    expect(bridge.upstreamReady).toBe(false)
    const ready = await get(url + '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.headers.get('retry-after')).toBe('1')
  })

  it('answers 502 to a reply for another code and reconnects to resynchronise', async () => {
    const upstream = await rawUpstream((chunk, socket) => {
      socket.write(answerLines(chunk.replace('404', '500')))
    })
    const { url, bridge } = await startBridge({ statusPort: upstream.port, connections: 1, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } })
    const res = await get(url + '/status/404')
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ERR_BAD_UPSTREAM_REPLY' })
    await waitUntil(() => upstream.sockets.length >= 2, 'a fresh connection')
    await bridge.waitForUpstream()
    expect(JSON.parse((await get(url + '/status/201')).body)).toEqual({ code: 201, data: describeStatus(201) })
  })

  it('keeps an idle link alive under the status-server idle timeout with probes', async () => {
    const { port, status } = await startStatus(0, { idleTimeoutMs: 150 })
    const { url, bridge } = await startBridge({ statusPort: port, connections: 1, probeIntervalMs: 50 })
    expect(status.connectionCount).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(bridge.upstream.connected).toBe(1)
    expect(status.connectionCount).toBe(1)
    expect(JSON.parse((await get(url + '/status/302')).body)).toEqual({ code: 302, data: describeStatus(302) })
  })

  it('copes with HTTP clients that give up before the upstream answers', async () => {
    const upstream = await rawUpstream((chunk, socket) => {
      setTimeout(() => socket.write(answerLines(chunk)), 150)
    })
    const { url, bridge } = await startBridge({ statusPort: upstream.port, timeoutMs: 300, connections: 1 })
    const gaveUp = await Promise.allSettled(Array.from({ length: 20 }, async () => await get(url + '/status/404', 50)))
    expect(gaveUp.every((r) => r.status === 'rejected')).toBe(true)
    await waitUntil(() => bridge.upstream.inFlight === 0, 'the abandoned lookups to be answered upstream')
    const res = await get(url + '/status/204')
    expect(JSON.parse(res.body)).toEqual({ code: 204, data: describeStatus(204) })
  })

  it('close() lets an in-flight request finish before dropping the upstream', async () => {
    const upstream = await rawUpstream((chunk, socket) => {
      setTimeout(() => socket.write(answerLines(chunk)), 200)
    })
    const { url, bridge } = await startBridge({ statusPort: upstream.port, connections: 1 })
    const pending = get(url + '/status/418')
    await waitUntil(() => bridge.upstream.inFlight === 1, 'the lookup to be in flight')
    await bridge.close()
    const res = await pending
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ code: 418, data: describeStatus(418) })
    await waitUntil(() => upstream.sockets.every((s) => s.destroyed || s.readableEnded), 'the upstream link to close')
    await expect(get(url + '/healthz', 1000)).rejects.toThrow()
  })

  it('close() does not wait for a client connection that never sends a request', async () => {
    const { port } = await startStatus()
    const { url, bridge } = await startBridge({ statusPort: port, timeoutMs: 200 })
    const idle = net.connect(Number(new URL(url).port), '127.0.0.1')
    idle.on('error', () => {})
    await once(idle, 'connect')
    const started = Date.now()
    await bridge.close()
    expect(Date.now() - started).toBeLessThan(3000) // timeoutMs + 500 ms, not the client's whim
    await waitUntil(() => idle.destroyed || idle.readableEnded, 'the idle connection to be closed')
  })
})
