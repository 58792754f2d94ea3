import type { AddressInfo } from 'node:net'
import { main, on, params, rssBytes, send } from './_ipc.js'

interface Params { kind: 'bridge' | 'fastify', codes: number[] }

/**
 * The servers under test, alone in this process (autocannon runs in the parent).
 * bridge: status-server + http-bridge, the real TCP hop. fastify: one route
 * answering the same JSON straight from the status table.
 */
main(async () => {
  const p = params<Params>()
  let peak = rssBytes()
  const sampler = setInterval(() => { peak = Math.max(peak, rssBytes()) }, 50)
  sampler.unref()
  on('peak', () => { send({ type: 'peak', peak: Math.max(peak, rssBytes()) }) })
  if (p.kind === 'bridge') {
    const { createStatusServer } = await import('@eventwire/status-server')
    const { createBridge } = await import('@eventwire/http-bridge')
    const status = createStatusServer()
    const s = await status.listen({ port: 0, host: '127.0.0.1' })
    const bridge = createBridge({ statusHost: '127.0.0.1', statusPort: s.port })
    const addr = await bridge.listen({ port: 0, host: '127.0.0.1' }) as AddressInfo | string | undefined
    const port = typeof addr === 'object' && addr !== null ? addr.port : Number(new URL(String(addr)).port)
    // Ready only once a link is up: a request before that gets a 503 and would count as a wrong body.
    await bridge.waitForUpstream()
    on('stop', async () => { await bridge.close(); await status.close(); process.exit(0) })
    send({ type: 'ready', port })
    return
  }
  const { describeStatus } = await import('@eventwire/status-server')
  const { default: Fastify } = await import('fastify')
  const bodies = new Map<string, string>()
  for (const code of p.codes) bodies.set(String(code), JSON.stringify({ code, data: describeStatus(code) }))
  const app = Fastify({ logger: false })
  // A plain (not async) handler with the body prebuilt: the cheapest way fastify can answer.
  app.get<{ Params: { code: string } }>('/status/:code', (req, reply) => {
    const body = bodies.get(req.params.code)
    if (body === undefined) void reply.code(404).send({ error: 'unknown' })
    else void reply.type('application/json; charset=utf-8').send(body)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  on('stop', async () => { await app.close(); process.exit(0) })
  send({ type: 'ready', port: (app.server.address() as AddressInfo).port })
})
