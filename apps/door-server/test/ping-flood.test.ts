import net from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { QUEUE_HARD_CAP_FACTOR } from '../src/door-options.js'
import { startDoor, type StartedDoor } from './helpers.js'

let started: StartedDoor | null = null
const clients: LineClient[] = []
const sockets: net.Socket[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  for (const s of sockets.splice(0)) s.destroy()
  await started?.door.close()
  started = null
})

/** 4,096 pings per write, as fast as the socket takes them; resolves with how many were sent when the server hung up (or the cap was reached). */
async function floodPings (socket: net.Socket, maxPings: number): Promise<{ pings: number, closed: boolean }> {
  const chunk = '["$ping",1]\n'.repeat(4096)
  let pings = 0
  let closed = false
  socket.once('close', () => { closed = true })
  while (!closed && pings < maxPings) {
    pings += 4096
    if (!socket.write(chunk)) {
      // Not events.once: it rejects on the ECONNRESET that ends the flood.
      await new Promise<void>((resolve) => {
        const done = (): void => { socket.off('drain', done); socket.off('close', done); resolve() }
        socket.on('drain', done)
        socket.on('close', done)
      })
    }
  }
  return { pings, closed }
}

describe('ping flood (issue 10 item 2)', () => {
  it('drops a client that floods pings and never reads its pongs; memory stays bounded and others keep receiving', async () => {
    started = await startDoor() // default maxQueueBytes: 64 KiB, hard cap 1 MiB
    const { sensor, port, door: server, logger } = started
    sensor.set('close', 1)
    const good = await LineClient.connect(port)
    clients.push(good)
    expect(await good.next()).toBe('["close",1]')

    const flooder = net.connect(port, '127.0.0.1')
    sockets.push(flooder)
    flooder.on('error', () => {})
    await once(flooder, 'connect')
    flooder.pause() // never reads a pong
    await waitUntil(() => server.tcp.clientCount === 2, 'the flooder registered')

    const rssBefore = process.memoryUsage().rss
    // 4 million pings is 48 MB of input; before the fix every pong of them stayed queued in the server.
    const flood = floodPings(flooder, 4_000_000)
    sensor.set('open', 2) // an event while the flood is on: the other client gets it
    expect(await good.next(10_000)).toBe('["open",2]')
    const { pings, closed } = await flood
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024

    expect(closed).toBe(true)
    expect(pings).toBeLessThan(4_000_000)
    const drop = logger.lines.find((l) => l.message === 'client is not reading; dropped it')
    expect(drop?.fields).toMatchObject({ reason: 'hard-cap' })
    expect(drop?.fields.queuedBytes).toBeGreaterThan(64 * 1024 * QUEUE_HARD_CAP_FACTOR)
    // Loose on purpose: bounded, not a benchmark (before the fix it grew by hundreds of MB).
    expect(rssGrowthMb).toBeLessThan(200)

    await waitUntil(() => server.tcp.clientCount === 1, 'only the good client left')
    sensor.set('close', 3)
    expect(await good.next()).toBe('["close",3]')
    expect(good.isClosed).toBe(false)
    console.log(`ping flood: ${pings} pings sent before the drop, server RSS grew ${rssGrowthMb.toFixed(1)} MB`)
  })
})
