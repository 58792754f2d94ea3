import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { isProtocolError } from '@eventwire/protocol'
import { waitUntil } from '@eventwire/testkit'
import { createStatusServer, describeStatus } from '../src/index.js'
import { statusConfigSpecs } from '../src/config.js'
import { DEFAULT_CLOSE_GRACE_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_QUIET_REPLY_MS } from '../src/server.js'
import { collectUntilClose, onCleanup, startStatusServer } from './helpers.js'

/** A client that keeps its side open after the server's FIN, as a stuck client would. */
async function halfOpenClient (port: number): Promise<{ socket: net.Socket, received: Promise<string> }> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  socket.on('error', () => {})
  onCleanup(() => socket.destroy())
  const received = collectUntilClose(socket)
  await once(socket, 'connect')
  return { socket, received }
}

describe('options', () => {
  it('refuse a bad value with ERR_INVALID_OPTION naming the option', () => {
    const bad = [
      { maxLineBytes: 0 },
      { maxLineBytes: 10.5 },
      { maxConnections: -1 },
      { maxConnectionsPerAddress: Number.NaN },
      { idleTimeoutMs: -1 },
      { firstRequestTimeoutMs: Infinity },
      { quietReplyMs: -0.5 },
      { closeGraceMs: -1 }
    ]
    for (const options of bad) {
      const name = Object.keys(options)[0] as string
      let thrown: unknown
      try {
        createStatusServer(options)
      } catch (err) {
        thrown = err
      }
      expect(isProtocolError(thrown), name).toBe(true)
      expect((thrown as { code: string }).code, name).toBe('ERR_INVALID_OPTION')
      expect((thrown as Error).message, name).toContain(name)
    }
  })

  it('have their defaults stated once: the config specs (so --help) show the factory\'s', () => {
    expect(statusConfigSpecs.maxConnections.default).toBe(DEFAULT_MAX_CONNECTIONS)
    expect(statusConfigSpecs.quietReplyMs.default).toBe(DEFAULT_QUIET_REPLY_MS)
    expect(DEFAULT_CLOSE_GRACE_MS).toBe(2000)
  })

  it('listen({ port, host }) binds the host asked for', async () => {
    const status = createStatusServer()
    onCleanup(() => status.destroy())
    const address = await status.listen({ port: 0, host: '127.0.0.1' })
    expect(address.address).toBe('127.0.0.1')
    const c = net.connect(address.port, '127.0.0.1')
    c.on('error', () => {})
    onCleanup(() => c.destroy())
    const received = collectUntilClose(c)
    c.end('404\n')
    expect(await received).toBe(`${describeStatus(404) as string}\n`)
  })
})

describe('close() and destroy()', () => {
  // A client that never closes its side is not told when the server destroys its socket after
  // the FIN (no RST reaches it): what the tests can see is that close()/destroy() resolve, which
  // they do only once every socket of the server has closed.
  it('close() ends served and refused clients alike and destroys those still open after closeGraceMs; every caller resolves', async () => {
    const { port, status } = await startStatusServer({ maxConnections: 1, closeGraceMs: 100 })
    const served = await halfOpenClient(port)
    await waitUntil(() => status.connectionCount === 1, 'the first client to be served')
    const refused = await halfOpenClient(port)
    // The refused one is in its grace period: it has its line and our FIN, and does not close.
    await waitUntil(() => refused.socket.readableEnded, 'the refusal to arrive')
    await Promise.all([status.close(), status.close()])
    await status.close() // a later caller too
    expect(served.socket.readableEnded).toBe(true) // our FIN, with no notice line before it
    expect(served.socket.bytesRead).toBe(0)
    expect(status.connectionCount).toBe(0)
  })

  it('destroy() resets every socket at once, refused ones in their grace period included', async () => {
    const { port, status } = await startStatusServer({ maxConnections: 1, closeGraceMs: 600_000 })
    const served = await halfOpenClient(port)
    await waitUntil(() => status.connectionCount === 1, 'the first client to be served')
    const refused = await halfOpenClient(port)
    await waitUntil(() => refused.socket.readableEnded, 'the refusal to arrive')
    // With a ten-minute grace, destroy() resolves within the test's timeout only if it does not wait for it.
    await status.destroy()
    expect(await served.received).toBe('') // reset, not ended: this client does see it
    expect(status.connectionCount).toBe(0)
  })

  it('destroy() called while close() is ending the sockets still closes every one (libuv refuses an RST mid-FIN)', async () => {
    const { port, status } = await startStatusServer({ closeGraceMs: 600_000 })
    const clients = await Promise.all([halfOpenClient(port), halfOpenClient(port)])
    await waitUntil(() => status.connectionCount === 2, 'two clients to be served')
    const closed = status.close()
    await status.destroy()
    await closed
    expect(status.connectionCount).toBe(0)
    for (const { socket } of clients) expect(socket.bytesRead).toBe(0)
  })
})
