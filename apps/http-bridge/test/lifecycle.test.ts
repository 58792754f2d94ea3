import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { isProtocolError } from '@eventwire/protocol'
import { waitUntil } from '@eventwire/testkit'
import { describeStatus, replyFor } from '@eventwire/status-server'
import { createBridge, DEFAULT_PROBE_INTERVAL_MS } from '../src/index.js'
import { bridgeConfigSpecs } from '../src/config.js'
import { get, onCleanup, rawUpstream, startBridge } from './helpers.js'

const answerLines = (chunk: string): string => chunk.split('\n').slice(0, -1).map((line) => replyFor(line)).join('')

describe('options', () => {
  it('refuse a bad value with ERR_INVALID_OPTION naming the option', () => {
    const bad = [
      { statusPort: 0 },
      { statusPort: 70_000 },
      { timeoutMs: 0 },
      { maxInFlight: 1.5 },
      { connections: 0 },
      { pipeline: -1 },
      { probeIntervalMs: Number.NaN },
      { closeGraceMs: -1 }
    ]
    for (const options of bad) {
      const name = Object.keys(options)[0] as string
      let thrown: unknown
      try {
        createBridge({ statusHost: '127.0.0.1', statusPort: 9670, ...options })
      } catch (err) {
        thrown = err
      }
      expect(isProtocolError(thrown), name).toBe(true)
      expect((thrown as { code: string }).code, name).toBe('ERR_INVALID_OPTION')
      expect((thrown as Error).message, name).toContain(name)
    }
  })

  it('have their defaults stated once: the config specs (so --help) show the factory\'s', () => {
    expect(bridgeConfigSpecs.probeIntervalMs).toMatchObject({ env: 'BRIDGE_PROBE_INTERVAL_MS', flag: 'probe-interval-ms', default: DEFAULT_PROBE_INTERVAL_MS })
  })
})

describe('close()', () => {
  it('ends each upstream link with a FIN and resolves only once the links are closed', async () => {
    const upstream = await rawUpstream((chunk, socket) => socket.write(answerLines(chunk)))
    const { url, bridge } = await startBridge({ statusPort: upstream.port, connections: 2 })
    expect(JSON.parse((await get(url + '/status/404')).body)).toEqual({ code: 404, data: describeStatus(404) })
    await waitUntil(() => upstream.sockets.length === 2, 'both links')
    const ended = upstream.sockets.map(async (s) => { if (!s.readableEnded) await once(s, 'end') })
    await Promise.all([bridge.close(), bridge.close()])
    // Both links said goodbye in order (FIN, not a reset), and close() waited for it.
    for (const s of upstream.sockets) expect(s.readableEnded).toBe(true)
    await Promise.all(ended)
    expect(bridge.upstream.connected).toBe(0)
  })

  it('destroys a link status-server does not close after the FIN, once closeGraceMs is over', async () => {
    // A server that keeps its side open after our FIN, forever.
    const sockets: net.Socket[] = []
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket)
      socket.on('error', () => {})
      socket.on('data', (chunk: Buffer) => socket.write(answerLines(chunk.toString('latin1'))))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onCleanup(async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    })
    const { port } = server.address() as net.AddressInfo
    const { bridge } = await startBridge({ statusPort: port, connections: 1, closeGraceMs: 100 })
    await bridge.close() // resolves within the test's timeout: the link did not wait for the peer
    await waitUntil(() => sockets.every((s) => s.readableEnded), 'the FIN to arrive')
  })
})

describe('listen({ port, host })', () => {
  it('binds the host asked for', async () => {
    const upstream = await rawUpstream()
    const bridge = createBridge({ statusHost: '127.0.0.1', statusPort: upstream.port })
    onCleanup(() => bridge.close())
    const address = await bridge.listen({ port: 0, host: '127.0.0.1' })
    expect(address.address).toBe('127.0.0.1')
    expect((await get(`http://127.0.0.1:${address.port}/healthz`)).status).toBe(200)
  })
})
