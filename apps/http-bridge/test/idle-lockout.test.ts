import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { describeStatus } from '@eventwire/status-server'
import { get, onCleanup, startBridge, startStatus } from './helpers.js'

describe('idle connections opened to status-server by someone else', () => {
  it('do not lock the bridge out: one address gets its share, the bridge still gets in', async () => {
    // A small server so the test stays small: 20 slots, at most 8 per address.
    const { port, status } = await startStatus(0, { maxConnections: 20, maxConnectionsPerAddress: 8 })
    const hog: net.Socket[] = []
    for (let i = 0; i < 25; i++) {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' })
      socket.on('error', () => {})
      socket.resume()
      hog.push(socket)
      onCleanup(() => socket.destroy())
    }
    await Promise.all(hog.map(async (s) => { if (s.connecting) await once(s, 'connect') }))
    await waitUntil(() => hog.filter((s) => !s.destroyed && !s.readableEnded).length === 8, 'all but 8 of the hog\'s connections to be refused')
    expect(status.connectionCount).toBe(8)

    const { url, bridge } = await startBridge({ statusPort: port, connections: 2 })
    expect(bridge.upstream.connected).toBe(2)
    const res = await get(`${url}/status/404`)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ code: 404, data: describeStatus(404) })
  })
})
