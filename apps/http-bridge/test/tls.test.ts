import https from 'node:https'
import { afterAll, describe, expect, it } from 'vitest'
import { makeTestCertificate, waitUntil } from '@eventwire/testkit'
import { describeStatus } from '@eventwire/status-server'
import { createBridge, type BridgeOptions } from '../src/index.js'
import { get, onCleanup, rawUpstream, startBridge, startStatus, type Got } from './helpers.js'

const certificate = makeTestCertificate()
const serverTls = { cert: certificate.cert, key: certificate.key }
afterAll(() => certificate.remove())

/** GET over HTTPS trusting the test certificate; a hang fails after timeoutMs. */
async function httpsGet (url: string, timeoutMs = 5000): Promise<Got> {
  const started = performance.now()
  return await new Promise((resolve, reject) => {
    const request = https.get(url, { ca: certificate.cert, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value)
        resolve({ status: res.statusCode ?? 0, headers, body, ms: performance.now() - started })
      })
    })
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)))
    request.on('error', reject)
  })
}

/** A bridge on HTTPS (port 0), closed after the test; its base URL names localhost, as the certificate does. */
async function startHttpsBridge (options: Partial<BridgeOptions> & { statusPort: number }): Promise<string> {
  const bridge = createBridge({ statusHost: '127.0.0.1', tls: serverTls, ...options })
  onCleanup(() => bridge.close())
  const address = await bridge.listen({ port: 0 })
  return `https://localhost:${address.port}`
}

interface ErrorBody { statusCode: number, code: string, error: string, message: string }

describe('http-bridge over TLS', () => {
  it('answers HTTPS, reaching a TLS status-server over TLS, end to end', async () => {
    const { port } = await startStatus(0, { tls: serverTls })
    const url = await startHttpsBridge({ statusPort: port, statusTls: { ca: certificate.cert } })
    await waitUntil(async () => (await httpsGet(`${url}/readyz`)).status === 200, 'the TLS link to be up')
    const res = await httpsGet(`${url}/status/404`)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ code: 404, data: describeStatus(404) })
    const unknown = await httpsGet(`${url}/?statusCode=999`)
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'ERR_UNKNOWN_STATUS_CODE' })
  })

  it('answers a plain HTTP request on the HTTPS port with a 400 saying to use https', async () => {
    const { port } = await startStatus()
    const url = await startHttpsBridge({ statusPort: port })
    const res = await get(url.replace('https:', 'http:') + '/status/404')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 400, code: 'ERR_TLS_REQUIRED' })
  })

  it('says status-server\'s certificate is not trusted (and to set STATUS_TLS_CA_FILE), in the 503 and in /readyz', async () => {
    const { port } = await startStatus(0, { tls: serverTls })
    // No CA given: the self-signed certificate is checked against Node's bundled CAs only.
    const { url, bridge } = await startBridge({ statusPort: port, statusTls: true, connections: 1 }, false)
    await waitUntil(async () => JSON.parse((await get(`${url}/status/200`)).body).message.includes('TLS'), 'the first handshake to fail')
    const res = await get(`${url}/status/200`)
    expect(res.status).toBe(503)
    const body = JSON.parse(res.body) as ErrorBody
    expect(body).toMatchObject({ statusCode: 503, code: 'ERR_UPSTREAM_DOWN', error: 'Service Unavailable' })
    expect(body.message).toMatch(/^status-server at 127\.0\.0\.1:\d+: the TLS handshake failed: status-server's certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate\); set STATUS_TLS_CA_FILE to .*; retry after [1-9]\d* s$/)
    expect(bridge.upstreamReady).toBe(false)
    const ready = await get(`${url}/readyz`)
    expect(ready.status).toBe(503)
    expect(JSON.parse(ready.body)).toMatchObject({ code: 'ERR_UPSTREAM_DOWN', message: expect.stringContaining('certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT') })
  })

  it('says status-server did not speak TLS when it is a plain one', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port, statusTls: { ca: certificate.cert }, connections: 1 }, false)
    await waitUntil(async () => JSON.parse((await get(`${url}/status/200`)).body).message.includes('TLS'), 'the first handshake to fail')
    const body = JSON.parse((await get(`${url}/status/200`)).body) as ErrorBody
    expect(body.code).toBe('ERR_UPSTREAM_DOWN')
    expect(body.message).toMatch(/the TLS handshake failed: status-server did not speak TLS \(ERR_SSL_\w+\); is it running without TLS_CERT_FILE\? Turn TLS on there, or unset STATUS_TLS; retry after/)
  })

  it('gives up on a handshake the server never answers after the connect timeout, not a hang', async () => {
    const silent = await rawUpstream() // accepts, reads, says nothing
    const { url } = await startBridge({ statusPort: silent.port, statusTls: true, connections: 1, reconnect: { connectTimeoutMs: 300 } }, false)
    const started = Date.now()
    await waitUntil(async () => JSON.parse((await get(`${url}/status/200`)).body).message.includes('TLS'), 'the handshake to be abandoned')
    expect(Date.now() - started).toBeLessThan(3000)
    const body = JSON.parse((await get(`${url}/status/200`)).body) as ErrorBody
    expect(body.message).toContain('status-server did not speak TLS (no TLS handshake within 300 ms)')
  })

  it('keeps retrying with backoff, and comes up once the certificate is trusted on the other end of a restart', async () => {
    const { port, status } = await startStatus()
    const { url, bridge } = await startBridge({ statusPort: port, statusTls: { ca: certificate.cert }, connections: 1, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } }, false)
    await waitUntil(async () => JSON.parse((await get(`${url}/status/200`)).body).message.includes('did not speak TLS'), 'a failed handshake')
    // The same port, now with TLS: the next attempt gets through.
    await status.destroy()
    await startStatus(port, { tls: serverTls })
    await bridge.waitForUpstream(5000)
    expect(JSON.parse((await get(`${url}/status/418`)).body)).toEqual({ code: 418, data: describeStatus(418) })
  })

  it('a plain bridge in front of a TLS status-server passes on its refusal line', async () => {
    const { port } = await startStatus(0, { tls: serverTls })
    const { url } = await startBridge({ statusPort: port, connections: 1 })
    const res = await get(`${url}/status/200`)
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ERR_UPSTREAM_ERROR', message: expect.stringContaining('this port speaks TLS') })
  })
})
