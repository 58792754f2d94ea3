import { describe, expect, it } from 'vitest'
import { describeStatus, replyFor } from '@eventwire/status-server'
import { get, rawUpstream, startBridge, startStatus } from './helpers.js'

describe('http-bridge routes over real HTTP', () => {
  it('answers GET /?statusCode=404 and GET /status/404 with the status-server line', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port })
    for (const path of ['/?statusCode=404', '/status/404']) {
      const res = await get(url + path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      expect(JSON.parse(res.body)).toEqual({ code: 404, data: describeStatus(404) })
      expect(res.body).toBe(JSON.stringify({ code: 404, data: describeStatus(404) }))
    }
  })

  it('answers 404 JSON for a 3-digit code status-server does not know', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port })
    const res = await get(url + '/status/999')
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toEqual({ statusCode: 404, code: 'ERR_UNKNOWN_STATUS_CODE', error: 'Not Found', message: 'Error: unknown status code 999' })
  })

  it('reports liveness and readiness', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port, connections: 3 })
    expect(JSON.parse((await get(url + '/healthz')).body)).toEqual({ status: 'ok' })
    const ready = await get(url + '/readyz')
    expect(ready.status).toBe(200)
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', upstream: { connected: 3, connections: 3, inFlight: 0, maxInFlight: 1000 } })
  })

  it('rejects anything but three digits with 400 JSON and writes nothing upstream', async () => {
    // A raw server as upstream, answering like status-server, so we see every byte the bridge sends.
    const upstream = await rawUpstream((chunk, socket) => {
      socket.write(chunk.split('\n').slice(0, -1).map((line) => replyFor(line)).join(''))
    })
    const { url } = await startBridge({ statusPort: upstream.port, probeIntervalMs: 60_000 })
    const attempts = [
      '/?statusCode=404%0A500',
      '/?statusCode=404%0D%0A500',
      '/?statusCode=404%0A',
      '/?statusCode=404%00',
      '/?statusCode=%20404',
      '/?statusCode=404&statusCode=500',
      '/?statusCode=40',
      '/?statusCode=4044',
      '/?statusCode=abc',
      '/?statusCode=',
      '/?statusCode=%EF%BC%94%EF%BC%90%EF%BC%94', // fullwidth digits
      '/status/404%0A500',
      '/status/404%0A',
      '/status/40a',
      '/status/-40',
      '/status/4.0'
    ]
    for (const path of attempts) {
      const res = await get(url + path)
      expect(res.status, path).toBe(400)
      const body = JSON.parse(res.body) as { statusCode: number, code: string, error: string, message: string }
      expect(body.statusCode, path).toBe(400)
      expect(body.code, path).toBe('FST_ERR_VALIDATION')
      expect(body.error, path).toBe('Bad Request')
    }
    expect(upstream.received()).toBe('')

    const ok = await get(url + '/?statusCode=500')
    expect(JSON.parse(ok.body)).toEqual({ code: 500, data: describeStatus(500) })
    expect(upstream.received()).toBe('500\n')
  })

  it('answers unknown routes with fastify 404 JSON', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port })
    const res = await get(url + '/nope')
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 404, error: 'Not Found' })
  })

  it('gives unknown routes the same error shape with a code, and the routes there are', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port })
    const res = await get(url + '/statuss/404?x=1')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = JSON.parse(res.body) as Record<string, unknown>
    expect(body).toMatchObject({ statusCode: 404, code: 'ERR_NOT_FOUND', error: 'Not Found', message: 'no route GET /statuss/404; see "routes"' })
    expect(Object.keys(body.routes as object)).toEqual(['GET /status/{code}', 'GET /?statusCode={code}', 'GET /healthz', 'GET /readyz'])
  })

  it('explains the routes at GET / with no statusCode, instead of a validation error, and asks nothing upstream', async () => {
    const upstream = await rawUpstream()
    const { url } = await startBridge({ statusPort: upstream.port, probeIntervalMs: 60_000 })
    for (const path of ['/', '/?other=1']) {
      const res = await get(url + path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/)
      const body = JSON.parse(res.body) as { routes: Record<string, string>, example: string }
      expect(body.routes['GET /status/{code}'], path).toMatch(/3-digit status code/)
      expect(body.example).toBe('/status/404')
    }
    // A statusCode that is there but bad is still fastify's 400.
    expect((await get(url + '/?statusCode=')).status).toBe(400)
    expect(upstream.received()).toBe('')
  })
})
