import { describe, expect, it } from 'vitest'
import type net from 'node:net'
import { ErrorCodes, RemoteEmitter } from '../src/index.js'
import { cleanups, connect, pair, tcpServer } from './helpers.js'

/** A server that only records the lines it receives and never answers. */
async function silentPeer (): Promise<{ lines: string[], client: RemoteEmitter, socket: net.Socket }> {
  const lines: string[] = []
  let rest = ''
  const srv = await tcpServer((socket) => socket.on('data', (c: Buffer) => {
    const parts = (rest + c.toString()).split('\n')
    rest = parts.pop() ?? ''
    lines.push(...parts)
  }))
  cleanups.push(srv.close)
  const socket = await connect(srv.port)
  const client = new RemoteEmitter(socket)
  cleanups.push(() => client.destroy())
  return { lines, client, socket }
}

describe('request frames and timeouts on a real connection', () => {
  it('ids are unique on the connection, need no JSON escaping, and have at least 11 characters', async () => {
    const { lines, client } = await silentPeer()
    const sent = Array.from({ length: 20 }, (_, i) => client.request('m', [i], { timeoutMs: 50 }).catch(() => {}))
    await Promise.all(sent)
    const ids = lines.map((l) => (JSON.parse(l) as unknown[])[1] as string)
    expect(ids).toHaveLength(20)
    expect(new Set(ids).size).toBe(20)
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{11,}$/)
  })

  it('times out each request at its own timeout while others are answered', async () => {
    const { server, client } = await pair()
    server.handle('now', () => 'answered')
    server.handle('never', () => new Promise(() => {}))
    const start = performance.now()
    const slow = client.request('never', [], { timeoutMs: 120 }).catch((err: { code?: string }) => ({ code: err.code, at: performance.now() - start }))
    const quick = client.request('never', [], { timeoutMs: 40 }).catch((err: { code?: string }) => ({ code: err.code, at: performance.now() - start }))
    expect(await client.request('now')).toBe('answered')
    const [s, q] = await Promise.all([slow, quick]) as [{ code: string, at: number }, { code: string, at: number }]
    expect(q.code).toBe(ErrorCodes.REQUEST_TIMEOUT)
    expect(s.code).toBe(ErrorCodes.REQUEST_TIMEOUT)
    expect(q.at).toBeGreaterThanOrEqual(39)
    expect(s.at).toBeGreaterThanOrEqual(119)
    expect(q.at).toBeLessThan(s.at)
    expect(client.pendingRequests).toBe(0)
  })

  it('a request whose write closes the connection (queue full) rejects at once with ERR_CLOSED', async () => {
    const srv = await tcpServer()
    cleanups.push(srv.close)
    const socket = await connect(srv.port)
    const client = new RemoteEmitter(socket, { maxBufferedBytes: 64 })
    cleanups.push(() => client.destroy())
    const errors: unknown[] = []
    client.on('error', (err) => errors.push(err))
    socket.cork() // nothing leaves: the frame stays queued, past the limit
    await expect(client.request('m', ['x'.repeat(100)])).rejects.toMatchObject({ code: ErrorCodes.CLOSED })
    expect(errors).toMatchObject([{ code: ErrorCodes.QUEUE_FULL }])
    expect(client.pendingRequests).toBe(0)
  })

  it('the first frame of a tick leaves at once; the rest of the tick is corked and leaves together', async () => {
    const { lines, client, socket } = await silentPeer()
    client.emit('a', 1)
    expect(socket.writableCorked).toBe(0)
    client.emit('b', 2)
    client.emit('c', 3)
    expect(socket.writableCorked).toBe(1)
    await Promise.resolve()
    expect(socket.writableCorked).toBe(0)
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (lines.length === 3) { clearInterval(t); resolve() } }, 5) })
    expect(lines).toEqual(['["a",1]', '["b",2]', '["c",3]'])
  })
})
