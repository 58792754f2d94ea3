import { once } from 'node:events'
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { parsePrometheusText, type PrometheusText } from '@eventwire/kit/metrics'
import { describeStatus, type StatusServer } from '../src/index.js'
import { collectUntilClose, onCleanup, rawConnect, startStatusServer } from './helpers.js'

async function withAdmin (options: Parameters<typeof startStatusServer>[0]): Promise<{ status: StatusServer, port: number, admin: string }> {
  const started = await startStatusServer(options)
  const address = await started.status.listenAdmin({ port: 0 })
  return { ...started, admin: `http://127.0.0.1:${address.port}` }
}

/** GET /metrics over real HTTP, checked by the strict text-format reader. */
async function scrape (admin: string): Promise<PrometheusText> {
  const res = await fetch(`${admin}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(await res.text())
}

const tcp = { transport: 'tcp' }

describe('status-server admin port: GET /metrics', () => {
  it('counts accepted, refused (by reason) and dropped connections, lines and bytes, after real traffic', async () => {
    const { status, port, admin } = await withAdmin({ maxConnectionsPerAddress: 2, maxLineBytes: 16 })
    const before = await scrape(admin)
    expect(before.value('eventwire_connections_refused_total', { ...tcp, reason: 'per_address_limit' })).toBe(0)
    expect(before.value('eventwire_connections_accepted_total', tcp)).toBe(0)
    expect(before.value('eventwire_ready')).toBe(1)

    const a = await rawConnect(port)
    const replies = collectLines(a, 2)
    a.write('404\n200\n')
    expect(await replies).toBe(describeStatus(404) + '\n' + describeStatus(200) + '\n')
    const b = await rawConnect(port)
    const refused = await rawConnect(port) // the third from 127.0.0.1: over the per-address cap
    const refusal = await collectUntilClose(refused)
    expect(refusal).toBe('Error: too many connections from your address (limit 2); try again later\n')

    const during = await scrape(admin)
    expect(during.value('eventwire_connections_open', tcp)).toBe(2)
    expect(during.value('eventwire_connections_accepted_total', tcp)).toBe(2)
    expect(during.value('eventwire_connections_refused_total', { ...tcp, reason: 'per_address_limit' })).toBe(1)
    expect(during.value('eventwire_connections_refused_total', { ...tcp, reason: 'max_connections' })).toBe(0)
    expect(during.value('eventwire_received_frames_total', tcp)).toBe(2)
    expect(during.value('eventwire_sent_frames_total', tcp)).toBe(3)
    expect(during.value('eventwire_received_bytes_total', tcp)).toBe(8)
    expect(during.value('eventwire_sent_bytes_total', tcp)).toBe(Buffer.byteLength(describeStatus(404) + '\n' + describeStatus(200) + '\n' + refusal))
    expect(during.value('eventwire_send_queue_bytes', tcp)).toBe(0)

    const closed = collectUntilClose(b)
    b.write('x'.repeat(40)) // past maxLineBytes: one error line, then the server closes it
    expect(await closed).toMatch(/^Error: line too long/)
    await waitFor(() => status.connectionCount === 1)
    const after = await scrape(admin)
    expect(after.value('eventwire_connections_dropped_total', { ...tcp, reason: 'line_too_long' })).toBe(1)
    expect(after.value('eventwire_connections_dropped_total', { ...tcp, reason: 'idle_timeout' })).toBe(0)
    expect(after.value('eventwire_connections_open', tcp)).toBe(1)
    expect(after.value('eventwire_received_bytes_total', tcp)).toBe(48)
    // The process's default metrics are there too.
    expect(after.families.get('process_resident_memory_bytes')?.type).toBe('gauge')
    expect(after.families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge')
  })

  it('keeps one registry per server: two servers in one process count apart', async () => {
    const one = await withAdmin({})
    const two = await withAdmin({})
    const c = await rawConnect(one.port)
    const reply = collectLines(c, 1)
    c.write('418\n')
    await reply
    expect((await scrape(one.admin)).value('eventwire_connections_accepted_total', tcp)).toBe(1)
    expect((await scrape(two.admin)).value('eventwire_connections_accepted_total', tcp)).toBe(0)
  })
})

describe('status-server admin port: /healthz and /readyz', () => {
  it('is ready while listening with a free slot; 503 in the shared error shape when full and while draining', async () => {
    const { status, port, admin } = await withAdmin({ maxConnections: 1, closeGraceMs: 10_000 })
    expect(await json(`${admin}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } })
    expect(await json(`${admin}/readyz`)).toEqual({ status: 200, body: { status: 'ready', connections: { open: 0, max: 1 } } })

    // allowHalfOpen: the client keeps its side open after the server's FIN, so the drain waits for it.
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    client.on('error', () => {})
    onCleanup(() => client.destroy())
    await once(client, 'connect')
    await waitFor(() => status.connectionCount === 1)
    const full = await fetch(`${admin}/readyz`)
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toBe('1')
    expect(await full.json()).toEqual({ statusCode: 503, code: 'ERR_AT_CAPACITY', error: 'Service Unavailable', message: 'serving 1 connections, its limit; new ones are refused', status: 'unavailable', connections: { open: 1, max: 1 } })

    // The client does not close its side: the drain waits (closeGraceMs), and meanwhile /readyz says so.
    const closing = status.close()
    expect(await json(`${admin}/readyz`)).toMatchObject({ status: 503, body: { code: 'ERR_SHUTTING_DOWN', status: 'unavailable' } })
    expect((await json(`${admin}/healthz`)).status).toBe(200)
    client.end()
    await closing
    await expect(fetch(`${admin}/healthz`)).rejects.toThrow()
  })

  it('answers other paths 404 with a code', async () => {
    const { admin } = await withAdmin({})
    expect(await json(`${admin}/status/404`)).toMatchObject({ status: 404, body: { statusCode: 404, code: 'ERR_NOT_FOUND', error: 'Not Found' } })
  })
})

async function json (url: string): Promise<{ status: number, body: unknown }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() }
}

function collectLines (socket: net.Socket, count: number): Promise<string> {
  let text = ''
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString()
      if (text.split('\n').length > count) {
        socket.off('data', onData)
        resolve(text)
      }
    }
    socket.on('data', onData)
  })
}

async function waitFor (condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
