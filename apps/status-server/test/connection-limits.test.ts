import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { createStatusServer, describeStatus } from '../src/index.js'
import { collectUntilClose, onCleanup, startStatusServer } from './helpers.js'

/** A raw socket from a given loopback source address (all of 127/8 is local on Linux). */
async function connectFrom (port: number, localAddress: string): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress })
  socket.on('error', () => {})
  onCleanup(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

async function clientFrom (port: number, localAddress: string): Promise<LineClient> {
  const c = new LineClient(net.connect({ port, host: '127.0.0.1', localAddress }))
  onCleanup(() => c.socket.destroy())
  await once(c.socket, 'connect')
  return c
}

describe('connections from one address', () => {
  it('are capped per address while another address still gets in', async () => {
    const { port, status } = await startStatusServer({ maxConnectionsPerAddress: 5 })
    const hog = await Promise.all(Array.from({ length: 5 }, async () => await connectFrom(port, '127.0.0.2')))
    await waitUntil(() => status.connectionCount === 5, 'five idle connections from 127.0.0.2')

    const sixth = await connectFrom(port, '127.0.0.2')
    expect(await collectUntilClose(sixth)).toBe('Error: too many connections from your address (limit 5); try again later\n')

    const other = await clientFrom(port, '127.0.0.3')
    other.send('200')
    expect(await other.next()).toBe(describeStatus(200))
    expect(status.connectionCount).toBe(6)

    // A slot freed by the hog can be taken again by it.
    hog[0]?.destroy()
    await waitUntil(() => status.connectionCount === 5, 'one hog connection to be gone')
    const again = await clientFrom(port, '127.0.0.2')
    again.send('404')
    expect(await again.next()).toBe(describeStatus(404))
  })

  it('default to 100 per address, below the 1000 connections of the server', async () => {
    const { port, status } = await startStatusServer()
    await Promise.all(Array.from({ length: 100 }, async () => await connectFrom(port, '127.0.0.4')))
    await waitUntil(() => status.connectionCount === 100, '100 connections')
    const refused = await connectFrom(port, '127.0.0.4')
    expect(await collectUntilClose(refused)).toBe('Error: too many connections from your address (limit 100); try again later\n')
    const other = await clientFrom(port, '127.0.0.5')
    other.send('503')
    expect(await other.next()).toBe(describeStatus(503))
  })

  it('rejects a bad maxConnectionsPerAddress', () => {
    expect(() => createStatusServer({ maxConnectionsPerAddress: 0 })).toThrow(/maxConnectionsPerAddress/)
  })
})

describe('a connection that never sends a request', () => {
  it('is closed after firstRequestTimeoutMs, while one that sent a request stays until the idle timeout', async () => {
    const { port } = await startStatusServer({ firstRequestTimeoutMs: 200, idleTimeoutMs: 2000 })
    const active = await LineClient.connect(port)
    onCleanup(() => active.socket.destroy())
    const activeReceived = collectUntilClose(active.socket)
    active.send('200')
    expect(await active.next()).toBe(describeStatus(200))

    const silent = await connectFrom(port, '127.0.0.1')
    expect(await collectUntilClose(silent)).toBe('Error: no request within 200 ms of connecting; closing the connection\n')

    // The active one is still served, and is closed later, by the idle rule.
    expect(active.isClosed).toBe(false)
    active.send('201')
    expect(await active.next()).toBe(describeStatus(201))
    await active.closed
    expect((await activeReceived).split('\n').at(-2)).toBe('Error: idle for 2000 ms; closing the connection')
  })

  it('is closed at the deadline even if it keeps sending bytes that never end a line', async () => {
    const { port } = await startStatusServer({ firstRequestTimeoutMs: 200 })
    const drip = await connectFrom(port, '127.0.0.1')
    const received = collectUntilClose(drip)
    // A space every 50 ms resets an inactivity timer; the first-request deadline is not one.
    const timer = setInterval(() => { if (drip.writable) drip.write(' ') }, 50)
    onCleanup(() => clearInterval(timer))
    expect(await received).toBe('Error: no request within 200 ms of connecting; closing the connection\n')
    clearInterval(timer)
  })

  it('counts a three-digit request answered early as its first request', async () => {
    const { port } = await startStatusServer({ firstRequestTimeoutMs: 300, idleTimeoutMs: 60_000, quietReplyMs: 20 })
    const c = await LineClient.connect(port)
    onCleanup(() => c.socket.destroy())
    c.write('404')
    expect(await c.next()).toBe(describeStatus(404))
    // Past the first-request deadline, it is still open and served.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(c.isClosed).toBe(false)
    c.send('500')
    expect(await c.next()).toBe(describeStatus(500))
  })

  it('rejects a bad firstRequestTimeoutMs', () => {
    expect(() => createStatusServer({ firstRequestTimeoutMs: -5 })).toThrow(/firstRequestTimeoutMs/)
  })
})
