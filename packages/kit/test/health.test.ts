import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import Fastify from 'fastify'
import { createOpsServer, Health, type OpsEndpoints } from '../src/index.js'
import { registerOpsRoutes } from '../src/web/index.js'

const servers: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const close of servers.splice(0)) await close() })

async function plain (ops: OpsEndpoints): Promise<string> {
  const server: http.Server = createOpsServer(ops)
  servers.push(() => new Promise((resolve) => server.close(resolve)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function onFastify (ops: OpsEndpoints): Promise<string> {
  const app = Fastify()
  registerOpsRoutes(app, ops)
  servers.push(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

async function get (url: string, init?: RequestInit): Promise<{ status: number, headers: Headers, body: any }> {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.startsWith('application/json') === true ? JSON.parse(text) : text }
}

describe.each([['the plain admin server', plain], ['fastify (registerOpsRoutes)', onFastify]])('ops routes on %s', (_name, start) => {
  it('answers liveness always, readiness only once listening and while every check passes, in the shared error shape', async () => {
    let upstreamUp = false
    const health = new Health({
      liveness: () => ({ link: upstreamUp ? 'up' : 'down' }),
      checks: [() => upstreamUp ? { ready: true, details: { link: 'up' } } : { ready: false, code: 'ERR_LINK_DOWN', message: 'the link is down', retryAfterSeconds: 3, details: { link: 'down' } }]
    })
    const url = await start({ health, metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'up 1\n' } })

    expect(await get(url + '/healthz')).toMatchObject({ status: 200, body: { status: 'ok', link: 'down' } })
    const starting = await get(url + '/readyz')
    expect(starting.status).toBe(503)
    expect(starting.headers.get('retry-after')).toBe('1')
    expect(starting.body).toEqual({ statusCode: 503, code: 'ERR_NOT_LISTENING', error: 'Service Unavailable', message: 'not listening yet: the app is starting', status: 'unavailable', link: 'down' })

    health.markListening()
    const down = await get(url + '/readyz')
    expect(down.headers.get('retry-after')).toBe('3')
    expect(down.body).toEqual({ statusCode: 503, code: 'ERR_LINK_DOWN', error: 'Service Unavailable', message: 'the link is down', status: 'unavailable', link: 'down' })

    upstreamUp = true
    expect(await get(url + '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', link: 'up' } })
    expect(health.ready).toBe(true)

    health.markDraining()
    expect(await get(url + '/readyz')).toMatchObject({ status: 503, body: { code: 'ERR_SHUTTING_DOWN', status: 'unavailable' } })
    expect((await get(url + '/healthz')).status).toBe(200)

    const metrics = await get(url + '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(metrics.body).toBe('up 1\n')
  })

  it('turns a check or a collector that throws into a 500 with a code, and the server goes on', async () => {
    const health = new Health({ checks: [() => { throw new Error('bug in a check') }] })
    health.markListening()
    const url = await start({ health, metrics: { contentType: 'text/plain', text: async () => { throw new Error('collector broke') } } })
    expect(await get(url + '/readyz')).toMatchObject({ status: 500, body: { statusCode: 500, code: 'ERR_INTERNAL', error: 'Internal Server Error' } })
    expect(await get(url + '/metrics')).toMatchObject({ status: 500, body: { code: 'ERR_METRICS_FAILED', message: 'collecting the metrics failed: collector broke' } })
    expect((await get(url + '/healthz')).status).toBe(200)
  })
})

describe('the plain admin server', () => {
  it('answers unknown routes 404 and other methods 405, each with a code', async () => {
    const url = await plain({ health: new Health() })
    expect(await get(url + '/nope?x=1')).toEqual(expect.objectContaining({
      status: 404,
      body: { statusCode: 404, code: 'ERR_NOT_FOUND', error: 'Not Found', message: 'no route GET /nope; see "routes"', routes: ['GET /healthz', 'GET /readyz', 'GET /metrics'] }
    }))
    // No metrics source: /metrics is not a route.
    expect((await get(url + '/metrics')).status).toBe(404)
    const post = await get(url + '/healthz', { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect(post.body).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' })
    const head = await fetch(url + '/healthz', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('removes a check with the function addCheck returned', () => {
    const health = new Health()
    health.markListening()
    const remove = health.addCheck(() => ({ ready: false, code: 'ERR_X', message: 'x' }))
    expect(health.ready).toBe(false)
    remove()
    expect(health.ready).toBe(true)
  })
})
