import net from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionSet } from '../src/index.js'

const servers: net.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve))
})

/** A server whose sockets live in a ConnectionSet, and a way to connect clients to it. */
async function serve (closeGraceMs: number): Promise<{ set: ConnectionSet<net.Socket>, connect: (allowHalfOpen?: boolean) => Promise<net.Socket> }> {
  const set = new ConnectionSet<net.Socket>({ closeGraceMs, end: (s) => s.end('bye\n'), destroy: (s) => s.destroy() })
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    set.add(socket)
    socket.once('close', () => set.delete(socket))
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  const connect = async (allowHalfOpen = false): Promise<net.Socket> => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen })
    socket.on('error', () => {})
    await once(socket, 'connect')
    while (set.size === 0 || ![...set].some((s) => s.remotePort === socket.localPort)) await new Promise((resolve) => setTimeout(resolve, 2))
    return socket
  }
  return { set, connect }
}

describe('ConnectionSet', () => {
  it('gives every whenEmpty() caller the same promise, and settles them all (no lost waiter)', async () => {
    const { set, connect } = await serve(1000)
    const a = await connect()
    const b = await connect()
    const first = set.whenEmpty()
    const second = set.whenEmpty()
    expect(second).toBe(first)
    let settled = 0
    void first.then(() => settled++)
    void second.then(() => settled++)
    a.destroy()
    await once(a, 'close')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(settled).toBe(0) // b is still there
    b.destroy()
    await Promise.all([first, second])
    expect(settled).toBe(2)
    expect(await Promise.race([set.whenEmpty().then(() => 'empty'), new Promise((resolve) => setTimeout(() => resolve('pending'), 50))])).toBe('empty')
  })

  it('close() ends each connection (the peer reads its last line), then destroys a peer that stays', async () => {
    const { set, connect } = await serve(150)
    const polite = await connect()
    polite.on('end', () => polite.end())
    const stubborn = await connect(true) // reads the FIN but never closes its side
    const stubbornGone = once(stubborn, 'close')
    stubborn.resume()
    const got: string[] = []
    polite.on('data', (c: Buffer) => got.push(c.toString()))
    await set.close()
    expect(set.size).toBe(0)
    expect(got.join('')).toBe('bye\n')
    expect(set.closing).toBe(true)
    // The stubborn peer never closed its side, so only the grace period's destroy() emptied the set.
    expect(stubborn.writableEnded).toBe(false)
    stubborn.destroy()
    await stubbornGone
  })
})
