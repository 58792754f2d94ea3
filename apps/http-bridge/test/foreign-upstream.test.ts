import { STATUS_CODES } from 'node:http'
import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { DEFAULT_FIRST_REQUEST_TIMEOUT_MS, describeStatus } from '@eventwire/status-server'
import { DEFAULT_PROBE_INTERVAL_MS } from '../src/index.js'
import { get, rawUpstream, startBridge, startStatus, type Got } from './helpers.js'

/** The tutorial's wording, not ours: no `Code NNN:` prefix, no `Error:` for unknown codes. */
function tutorialText (code: string): string {
  if (code === '404') return '404 Not Found'
  const reason = STATUS_CODES[code]
  return reason === undefined ? `${code} is not a status code I know` : `Status code ${code} means ${reason}`
}

/**
 * A status server written the tutorial's way: one answer per `data` event, from
 * its first three characters. Two requests in one read get one answer, so only
 * one request at a time per connection can work.
 */
async function tutorialServer (ending: string): Promise<{ port: number, reads: string[] }> {
  const reads: string[] = []
  const upstream = await rawUpstream((chunk, socket) => {
    reads.push(chunk)
    socket.write(tutorialText(chunk.slice(0, 3)) + ending)
  })
  return { port: upstream.port, reads }
}

function bodyProblem (code: string, res: Got): string | null {
  if (res.status !== 200) return `${code}: status ${res.status} ${res.body}`
  return res.body === JSON.stringify({ code: Number(code), data: tutorialText(code) }) ? null : `${code}: body ${res.body}`
}

describe.each([
  ['no line end', ''],
  ['\\r\\n', '\r\n']
])('http-bridge with pipeline 1 against a server that answers once per read (%s)', (_name, ending) => {
  it('answers 200, 418 and 999 with that server\'s text in data', async () => {
    const upstream = await tutorialServer(ending)
    const { url } = await startBridge({ statusPort: upstream.port, pipeline: 1 })
    for (const code of ['200', '418', '999', '404', '500']) {
      const res = await get(`${url}/status/${code}`)
      expect(bodyProblem(code, res), code).toBeNull()
    }
  })

  it('answers 20 concurrent requests, each with its own code\'s text', async () => {
    const upstream = await tutorialServer(ending)
    const { url } = await startBridge({ statusPort: upstream.port, pipeline: 1 })
    const codes = Array.from({ length: 20 }, (_, i) => ['200', '404', '418', '500', '999', '301', '503'][i % 7] as string)
    const results = await Promise.all(codes.map(async (code, i) => await get(i % 2 === 0 ? `${url}/status/${code}` : `${url}/?statusCode=${code}`)))
    expect(results.map((res, i) => bodyProblem(codes[i] as string, res)).filter((p) => p !== null)).toEqual([])
    // One request per read: the server never saw two codes in one chunk.
    expect(upstream.reads.filter((read) => !/^\d{3}\n$/.test(read))).toEqual([])
    expect(upstream.reads.length).toBeGreaterThanOrEqual(20)
  })
})

describe('http-bridge error messages say what happened', () => {
  it('says reconnecting, not unreachable, while a lost link is being reopened', async () => {
    const upstream = await rawUpstream((chunk, socket) => { socket.write(tutorialText(chunk.slice(0, 3)) + '\r\n') })
    // A long, fixed reconnection delay holds the link down long enough to ask.
    const { url, bridge } = await startBridge({ statusPort: upstream.port, connections: 1, pipeline: 1, reconnect: { initialDelayMs: 3000, maxDelayMs: 3000, jitter: 0 } })
    expect(bodyProblem('200', await get(`${url}/status/200`))).toBeNull()
    upstream.sockets[0]?.destroy()
    await waitUntil(() => !bridge.upstreamReady, 'the bridge to see the link lost')
    const res = await get(`${url}/status/200`)
    expect(res.status).toBe(503)
    const body = JSON.parse(res.body) as { code: string, message: string }
    expect(body.code).toBe('ERR_UPSTREAM_DOWN')
    expect(body.message).toMatch(/^the connection to status-server at 127\.0\.0\.1:\d+ was lost and is being reopened; retry after [1-9]\d* s$/)
    expect(body.message).not.toMatch(/unreachable/)
    await bridge.waitForUpstream(10_000)
    expect(bodyProblem('418', await get(`${url}/status/418`))).toBeNull()
  }, 20_000)

  it('says unreachable, with the reason, only once a connection attempt has failed', async () => {
    const gone = await rawUpstream()
    await new Promise((resolve) => gone.server.close(resolve)) // a port with nobody listening
    const { url } = await startBridge({ statusPort: gone.port }, false)
    await waitUntil(async () => JSON.parse((await get(`${url}/status/200`)).body).message.includes('unreachable'), 'the first attempt to fail')
    const body = JSON.parse((await get(`${url}/status/200`)).body) as { code: string, message: string }
    expect(body.code).toBe('ERR_UPSTREAM_DOWN')
    expect(body.message).toMatch(/^status-server at 127\.0\.0\.1:\d+ is unreachable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); retry after [1-9]\d* s$/)
  })

  it('quotes what status-server said last when it closed the link (here: no request in time)', async () => {
    const { port } = await startStatus(0, { firstRequestTimeoutMs: 100 })
    // No probe before the server's deadline, and a long delay before reconnecting.
    const { url, bridge } = await startBridge({ statusPort: port, connections: 1, probeIntervalMs: 60_000, reconnect: { initialDelayMs: 3000, maxDelayMs: 3000, jitter: 0 } })
    await waitUntil(() => !bridge.upstreamReady, 'status-server to close the unused link')
    const body = JSON.parse((await get(`${url}/status/200`)).body) as { code: string, message: string }
    expect(body.code).toBe('ERR_UPSTREAM_DOWN')
    expect(body.message).toContain('was lost (its last line: "Error: no request within 100 ms of connecting; closing the connection") and is being reopened')
  })

  it('answers 502 ERR_UPSTREAM_ERROR, naming the line, when status-server answers with an Error: line', async () => {
    const upstream = await rawUpstream((_chunk, socket) => { socket.write('Error: out of coffee\n') })
    const { url } = await startBridge({ statusPort: upstream.port })
    const res = await get(`${url}/status/200`)
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body)).toEqual({ statusCode: 502, code: 'ERR_UPSTREAM_ERROR', error: 'Bad Gateway', message: 'status-server answered 200 with an error: "Error: out of coffee"' })
  })

  it('answers 504 naming the wait when no connection had room in time', async () => {
    const upstream = await rawUpstream() // never answers: the one slot stays taken
    const { url } = await startBridge({ statusPort: upstream.port, connections: 1, pipeline: 1, timeoutMs: 300 })
    const [first, second] = await Promise.all([get(`${url}/status/200`), get(`${url}/status/201`)])
    expect(JSON.parse(first?.body ?? '')).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT', message: 'status-server did not answer within 300 ms' })
    expect(JSON.parse(second?.body ?? '')).toMatchObject({
      code: 'ERR_UPSTREAM_TIMEOUT',
      message: 'status-server did not answer within 300 ms: the lookup was still waiting for a connection with room (pipeline 1 per connection)'
    })
    expect(upstream.received()).toBe('200\n')
  })
})

describe('http-bridge against our status-server', () => {
  it('still maps "Error: unknown status code" to 404 with pipeline 1', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port, pipeline: 1 })
    const unknown = await get(`${url}/status/999`)
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'ERR_UNKNOWN_STATUS_CODE', message: 'Error: unknown status code 999' })
    const results = await Promise.all(['200', '404', '418'].map(async (code) => await get(`${url}/status/${code}`)))
    expect(results.map((r) => JSON.parse(r.body))).toEqual(['200', '404', '418'].map((code) => ({ code: Number(code), data: describeStatus(code) })))
  })

  it('probes an unused link before status-server\'s first-request deadline, so it is never closed as idle', async () => {
    expect(DEFAULT_PROBE_INTERVAL_MS).toBeLessThan(DEFAULT_FIRST_REQUEST_TIMEOUT_MS)
    const { port, status } = await startStatus(0, { firstRequestTimeoutMs: 300 })
    let accepted = 0
    status.server.on('connection', () => { accepted++ })
    const { url } = await startBridge({ statusPort: port, connections: 1, probeIntervalMs: 100 })
    await new Promise((resolve) => setTimeout(resolve, 900)) // three deadlines
    expect(accepted).toBe(1)
    expect(status.connectionCount).toBe(1)
    expect(JSON.parse((await get(`${url}/status/302`)).body)).toEqual({ code: 302, data: describeStatus(302) })
  })
})
