import net from 'node:net'
import { once } from 'node:events'
import { setImmediate as tick } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { QUEUE_HARD_CAP_FACTOR } from '../src/door-options.js'
import { frame, startDoor, type StartedDoor } from './helpers.js'

let started: StartedDoor | null = null
const clients: LineClient[] = []
const sockets: net.Socket[] = []
const browsers: WebSocket[] = []

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  started = await startDoor(options)
  return started
}

async function reader (port: number): Promise<LineClient> {
  const c = await LineClient.connect(port)
  clients.push(c)
  return c
}

/** A TCP client that connects and never reads: the kernel buffers fill, then our queue. */
async function stuckClient (port: number): Promise<net.Socket> {
  const stuck = net.connect(port, '127.0.0.1')
  sockets.push(stuck)
  stuck.on('error', () => {})
  await once(stuck, 'connect')
  stuck.pause()
  return stuck
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  for (const s of sockets.splice(0)) s.destroy()
  for (const b of browsers.splice(0)) b.terminate()
  await started?.door.close()
  started = null
})

const T0 = 1_700_000_000_000
/** Every line is the event at T0 + its index, alternating open/close: nothing lost, nothing reordered. */
function outOfOrder (lines: readonly string[]): string[] {
  return lines.filter((line, i) => frame(line)[1] !== T0 + i || frame(line)[0] !== (i % 2 === 0 ? 'open' : 'close'))
}

describe('slow readers (TCP)', () => {
  it('delivers a burst of 3,000 changes made in one turn to a client that reads normally', async () => {
    const { sensor, port, door: server, logger } = await door() // default maxQueueBytes: 64 KiB
    const c = await reader(port)
    await waitUntil(() => server.tcp.clientCount === 1, 'the client registered')
    // ~72 KB written in one turn: more than maxQueueBytes is queued for a moment; that is our burst, not its slowness.
    for (let i = 0; i < 3000; i++) sensor.set(i % 2 === 0 ? 'open' : 'close', T0 + i)
    await waitUntil(() => c.lines.length === 3000 || c.isClosed, 'all 3,000 events', 10_000)
    expect(c.isClosed).toBe(false)
    expect(c.lines).toHaveLength(3000)
    expect(outOfOrder(c.lines)).toEqual([])
    expect(logger.has('client is not reading; dropped it')).toBe(false)
    expect(server.tcp.clientCount).toBe(1)
  })

  it('drops a client that never reads once its queue has stayed above maxQueueBytes for the grace period', async () => {
    const maxQueueBytes = 16 * 1024
    const queueGraceMs = 300
    const { sensor, port, door: server, logger } = await door({ maxQueueBytes, queueGraceMs })
    const c = await reader(port)
    await stuckClient(port)
    await waitUntil(() => server.tcp.clientCount === 2, 'two clients')
    let sent = 0
    // Small batches until the stuck client's queue is well over the soft limit (4×, below the hard cap),
    // so that what the kernel's buffers still take cannot bring it back under; then nothing more:
    // no further event is due, yet it must still be found by the sweep.
    while (server.tcp.largestQueueBytes <= 4 * maxQueueBytes && sent < 4_000_000) {
      for (let i = 0; i < 50; i++) { sensor.set(sent % 2 === 0 ? 'open' : 'close', T0 + sent); sent++ }
      await tick()
    }
    expect(server.tcp.largestQueueBytes).toBeLessThan(maxQueueBytes * QUEUE_HARD_CAP_FACTOR)
    await waitUntil(() => server.tcp.clientCount === 1, 'the stuck client dropped by the sweep', 10_000)
    const drop = logger.lines.find((l) => l.message === 'client is not reading; dropped it')
    expect(drop?.fields).toMatchObject({ reason: 'grace', maxQueueBytes })
    expect(drop?.fields.overForMs).toBeGreaterThanOrEqual(queueGraceMs)
    expect(drop?.fields.queuedBytes).toBeGreaterThan(maxQueueBytes)

    await waitUntil(() => c.lines.length === sent, `all ${sent} events at the reading client`, 10_000)
    expect(outOfOrder(c.lines)).toEqual([])
  })

  it('drops a client at once when its queue passes the hard cap (16 x maxQueueBytes): memory stays bounded', async () => {
    const maxQueueBytes = 16 * 1024
    const hardCap = maxQueueBytes * QUEUE_HARD_CAP_FACTOR
    const { sensor, port, door: server, logger } = await door({ maxQueueBytes, queueGraceMs: 60_000 })
    const c = await reader(port)
    await stuckClient(port)
    await waitUntil(() => server.tcp.clientCount === 2, 'two clients')
    let sent = 0
    let largest = 0
    // Batches of ~12 KB per turn: the reader empties its queue between turns, the stuck one cannot.
    while (server.tcp.clientCount === 2 && sent < 4_000_000) {
      for (let i = 0; i < 500; i++) { sensor.set(sent % 2 === 0 ? 'open' : 'close', T0 + sent); sent++ }
      largest = Math.max(largest, server.tcp.largestQueueBytes)
      await tick()
    }
    expect(server.tcp.clientCount).toBe(1)
    const drop = logger.lines.find((l) => l.message === 'client is not reading; dropped it')
    expect(drop?.fields.reason).toBe('hard-cap')
    // Bounded: at most one batch past the cap was ever queued for it (the check runs before each write).
    expect(drop?.fields.queuedBytes).toBeGreaterThan(hardCap)
    expect(largest).toBeLessThan(hardCap + 500 * 30)

    await waitUntil(() => c.lines.length === sent, `all ${sent} events at the reading client`, 10_000)
    expect(outOfOrder(c.lines)).toEqual([])
  })
})

describe('slow readers (WebSocket dashboard)', () => {
  async function browser (webPort: number): Promise<{ ws: WebSocket, messages: string[] }> {
    const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`)
    browsers.push(ws)
    ws.on('error', () => {})
    const messages: string[] = []
    ws.on('message', (data) => messages.push(String(data)))
    await once(ws, 'open')
    return { ws, messages }
  }

  it('delivers a burst of 3,000 changes made in one turn to a browser that reads normally', async () => {
    const { sensor, webPort, door: server, logger } = await door()
    const { messages } = await browser(webPort)
    await waitUntil(() => messages.length === 1, 'the first state')
    // ~600 KB of whole-state messages in one turn: far over maxQueueBytes, under the hard cap.
    for (let i = 0; i < 3000; i++) sensor.set(i % 2 === 0 ? 'open' : 'close', T0 + i)
    await waitUntil(() => messages.length === 3001 || server.web.browserCount === 0, 'all 3,000 updates', 10_000)
    expect(server.web.browserCount).toBe(1)
    const events = messages.slice(1).map((m) => (JSON.parse(m) as { event: { name: string, at: number } }).event)
    expect(events.filter((e, i) => e.at !== T0 + i)).toEqual([])
    expect(logger.has('browser is not reading; dropped it')).toBe(false)
  })

  it('drops a browser that never reads once its queue has stayed above maxQueueBytes for the grace period', async () => {
    const maxQueueBytes = 16 * 1024
    const queueGraceMs = 200
    const { sensor, webPort, door: server, logger } = await door({ maxQueueBytes, queueGraceMs })
    const { ws, messages } = await browser(webPort)
    await waitUntil(() => messages.length === 1, 'the first state')
    ws.pause() // stops reading from its socket
    let sent = 0
    // Until its queue is well over the soft limit (4×, below the hard cap of 16×), so that what the
    // kernel's buffers still take cannot bring it back under; then no further update is due and only
    // the sweep can find it. (Stopping just over the limit was flaky on a loaded machine.)
    while (server.web.largestQueueBytes <= 4 * maxQueueBytes && sent < 2_000_000) {
      for (let i = 0; i < 20; i++) { sensor.set(sent % 2 === 0 ? 'open' : 'close', T0 + sent); sent++ }
      await tick()
    }
    expect(server.web.largestQueueBytes).toBeLessThan(maxQueueBytes * QUEUE_HARD_CAP_FACTOR)
    await waitUntil(() => server.web.browserCount === 0, 'the stuck browser dropped by the sweep', 10_000)
    const drop = logger.lines.find((l) => l.message === 'browser is not reading; dropped it')
    expect(drop?.fields).toMatchObject({ reason: 'grace', maxQueueBytes })
    expect(drop?.fields.overForMs).toBeGreaterThanOrEqual(queueGraceMs)
  })

  it('drops a browser at once when its queue passes the hard cap: memory stays bounded', async () => {
    const maxQueueBytes = 16 * 1024
    const hardCap = maxQueueBytes * QUEUE_HARD_CAP_FACTOR
    const { sensor, webPort, door: server, logger } = await door({ maxQueueBytes, queueGraceMs: 60_000 })
    const { ws, messages } = await browser(webPort)
    await waitUntil(() => messages.length === 1, 'the first state')
    ws.pause()
    let sent = 0
    let largest = 0
    while (server.web.browserCount === 1 && sent < 2_000_000) {
      for (let i = 0; i < 100; i++) { sensor.set(sent % 2 === 0 ? 'open' : 'close', T0 + sent); sent++ }
      largest = Math.max(largest, server.web.largestQueueBytes)
      await tick()
    }
    expect(server.web.browserCount).toBe(0)
    const drop = logger.lines.find((l) => l.message === 'browser is not reading; dropped it')
    expect(drop?.fields.reason).toBe('hard-cap')
    // The check runs before each write: at most one batch of ~250-byte messages past the cap.
    expect(largest).toBeLessThan(hardCap + 100 * 300)
  })
})
