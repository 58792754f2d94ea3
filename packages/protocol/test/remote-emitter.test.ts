import { describe, expect, it } from 'vitest'
import net from 'node:net'
import { once } from 'node:events'
import { ErrorCodes, RemoteEmitter, isProtocolError, type ProtocolError } from '../src/index.js'
import { cleanups, closed, connect, duplexEmitter, nextEvent, pair, recordingLogger, tcpServer } from './helpers.js'

describe('RemoteEmitter wire format', () => {
  it('writes ["event",...args]\\n, byte for byte', async () => {
    const received: Buffer[] = []
    const srv = await tcpServer((socket) => socket.on('data', (c: Buffer) => received.push(c)))
    cleanups.push(srv.close)
    const remote = new RemoteEmitter(await connect(srv.port))
    remote.emit('open', 1700000000000)
    remote.emit('greet', 'é', { a: [1, null] })
    remote.close()
    await once(srv.sockets[0] as net.Socket, 'end')
    expect(Buffer.concat(received).toString()).toBe('["open",1700000000000]\n["greet","é",{"a":[1,null]}]\n')
  })

  it('talks to the real duplex-emitter package in both directions (duplex-emitter as client)', async () => {
    let ours!: RemoteEmitter
    const srv = await tcpServer((socket) => { ours = new RemoteEmitter(socket) })
    cleanups.push(srv.close)
    const socket = await connect(srv.port)
    cleanups.push(() => { socket.destroy() })
    const theirs = duplexEmitter(socket)
    const fromThem = new Promise<unknown[]>((resolve) => { const wait = (): void => { if (ours) ours.once('hello', (...a: unknown[]) => resolve(a)); else setTimeout(wait, 5) }; wait() })
    await new Promise((r) => setTimeout(r, 20))
    theirs.emit('hello', 'from duplex-emitter', 2)
    expect(await fromThem).toEqual(['from duplex-emitter', 2])
    const toThem = new Promise<unknown[]>((resolve) => theirs.on('reply', (...a: unknown[]) => resolve(a)))
    ours.emit('reply', { ok: true }, ['x'])
    expect(await toThem).toEqual([{ ok: true }, ['x']])
  })

  it('talks to the real duplex-emitter package in both directions (duplex-emitter as server)', async () => {
    const got: unknown[][] = []
    const srv = await tcpServer((socket) => {
      const theirs = duplexEmitter(socket)
      theirs.on('ping', (n: number) => { got.push([n]); theirs.emit('pong', n + 1, 'ü') })
    })
    cleanups.push(srv.close)
    const ours = new RemoteEmitter(await connect(srv.port))
    cleanups.push(() => ours.destroy())
    const answer = nextEvent<[number, string]>(ours, 'pong')
    ours.emit('ping', 41)
    expect(await answer).toEqual([42, 'ü'])
    expect(got).toEqual([[41]])
  })

  it('delivers events split across TCP writes and many in one write', async () => {
    const { server, clientSocket } = await pair()
    const seen: number[] = []
    server.on('n', (i: number) => seen.push(i))
    const text = Array.from({ length: 500 }, (_, i) => `["n",${i}]\n`).join('')
    clientSocket.write(text.slice(0, 7))
    await new Promise((r) => setTimeout(r, 10))
    clientSocket.write(text.slice(7))
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (seen.length === 500) { clearInterval(t); resolve() } }, 5) })
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })
})

describe('RemoteEmitter reserved names and bad frames', () => {
  it('refuses to send reserved names', async () => {
    const { client } = await pair()
    for (const name of ['error', 'newListener', 'removeListener', '$ping', '$anything']) {
      expect(() => client.emit(name), name).toThrow(expect.objectContaining({ code: ErrorCodes.RESERVED_EVENT }))
    }
  })

  it('drops reserved names from the peer with a log line, and keeps the connection', async () => {
    const logger = recordingLogger()
    const { server, clientSocket } = await pair({ logger })
    const errors: unknown[] = []
    server.on('error', (e) => errors.push(e))
    const ok = nextEvent(server, 'fine')
    clientSocket.write('["error","boom"]\n["newListener","x"]\n["$bogus"]\n["fine",1]\n')
    expect(await ok).toEqual([1])
    expect(errors).toEqual([])
    expect(logger.entries.map((e) => e.fields.event)).toEqual(['error', 'newListener', '$bogus'])
  })

  it('a malformed frame is a coded error and closes only that connection', async () => {
    let count = 0
    const emitters: RemoteEmitter[] = []
    const srv = await tcpServer((socket) => { count++; emitters.push(new RemoteEmitter(socket)) })
    cleanups.push(srv.close)
    const bad = await connect(srv.port)
    const good = await connect(srv.port)
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (count === 2) { clearInterval(t); resolve() } }, 5) })
    const [badServer, goodServer] = emitters as [RemoteEmitter, RemoteEmitter]
    const errorSeen = new Promise<ProtocolError>((resolve) => badServer.on('error', (e) => resolve(e as ProtocolError)))
    const badClosed = closed(badServer)
    bad.write('{"not":"an array"}\n')
    expect((await errorSeen).code).toBe(ErrorCodes.INVALID_FRAME)
    expect(isProtocolError(await badClosed, ErrorCodes.INVALID_FRAME)).toBe(true)
    await once(bad, 'close')
    const still = nextEvent(goodServer, 'alive')
    good.write('["alive",true]\n')
    expect(await still).toEqual([true])
    good.destroy()
  })

  it('invalid JSON without an error listener is logged, never thrown', async () => {
    const logger = recordingLogger()
    const { server, clientSocket } = await pair({ logger })
    const serverClosed = closed(server)
    clientSocket.write('{nope\n')
    const reason = await serverClosed
    expect(isProtocolError(reason, ErrorCodes.INVALID_JSON)).toBe(true)
    expect(logger.entries[0]?.fields.code).toBe(ErrorCodes.INVALID_JSON)
  })

  it("onBadFrame: 'ignore' reports and carries on", async () => {
    const { server, clientSocket } = await pair({ onBadFrame: 'ignore', logger: recordingLogger() })
    const codes: string[] = []
    server.on('error', (e) => codes.push((e as ProtocolError).code))
    const after = nextEvent(server, 'after')
    clientSocket.write('garbage\n[1,2]\n["after"]\n')
    await after
    expect(codes).toEqual([ErrorCodes.INVALID_JSON, ErrorCodes.INVALID_FRAME])
  })

  it('an oversized frame closes the connection with ERR_FRAME_TOO_LARGE', async () => {
    const { server, clientSocket } = await pair({ maxLineBytes: 1024, logger: recordingLogger() })
    const serverClosed = closed(server)
    clientSocket.write('x'.repeat(5000))
    expect(isProtocolError(await serverClosed, ErrorCodes.FRAME_TOO_LARGE)).toBe(true)
  })
})

describe('RemoteEmitter backpressure and lifecycle', () => {
  it('emit returns false against a peer that does not read, and drained() resolves once it does', async () => {
    const { client, serverSocket } = await pair()
    serverSocket.pause()
    const payload = 'x'.repeat(16 * 1024)
    let writes = 0
    while (client.emit('bulk', payload) && writes < 100_000) writes++
    expect(writes).toBeLessThan(100_000)
    expect(client.bufferedBytes).toBeGreaterThan(0)
    const drained = client.drained()
    serverSocket.resume()
    await drained
    expect(client.stream.writableNeedDrain).toBe(false)
  })

  it('close() removes every listener it added to the stream and rejects pending requests', async () => {
    const { client, clientSocket } = await pair()
    const before = { data: 0, end: 0, error: 0, close: 0 }
    const after = { ...before }
    for (const k of Object.keys(before) as Array<keyof typeof before>) before[k] = clientSocket.listenerCount(k)
    const pending = client.request('never-answered', [], { timeoutMs: 5000 })
    client.close()
    await expect(pending).rejects.toMatchObject({ code: ErrorCodes.CLOSED })
    await once(clientSocket, 'close')
    for (const k of Object.keys(after) as Array<keyof typeof after>) after[k] = clientSocket.listenerCount(k)
    expect(after.data).toBe(before.data - 1)
    expect(after.end).toBe(before.end - 1)
    expect(after.error).toBe(before.error - 1)
    expect(after.close).toBe(before.close - 1)
    expect(client.emit('late')).toBe(false)
  })

  it('runs close listeners once when the peer goes away, and late ones at once', async () => {
    const { client, serverSocket } = await pair()
    const reasons: Array<Error | null> = []
    client.onClose((r) => reasons.push(r))
    const removed = client.onClose(() => reasons.push(new Error('removed listener ran')))
    removed()
    serverSocket.destroy()
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (reasons.length > 0) { clearInterval(t); resolve() } }, 5) })
    await new Promise((r) => setTimeout(r, 20))
    expect(reasons).toEqual([null])
    expect(client.closed).toBe(true)
    expect(await closed(client)).toBeNull()
  })

  it("a peer event named 'close' is an ordinary event (the door protocol sends it)", async () => {
    const { server, client } = await pair()
    const got = nextEvent(server, 'close')
    client.emit('close', 1700000000000)
    expect(await got).toEqual([1700000000000])
    expect(server.closed).toBe(false)
  })
})

describe('RemoteEmitter request/response', () => {
  it('answers requests through handlers, sync and async, with errors coded', async () => {
    const { server, client } = await pair()
    server.handle('add', (a: number, b: number) => a + b)
    server.handle('slow', async (x: string) => { await new Promise((r) => setTimeout(r, 20)); return x.toUpperCase() })
    server.handle('fail', () => { throw new Error('nope') })
    expect(await client.request('add', [2, 3])).toBe(5)
    expect(await client.request('slow', ['hi'])).toBe('HI')
    await expect(client.request('fail')).rejects.toMatchObject({ code: ErrorCodes.REMOTE_ERROR, message: 'nope' })
    await expect(client.request('missing')).rejects.toMatchObject({ code: ErrorCodes.NO_HANDLER })
  })

  it('many concurrent requests each get their own answer', async () => {
    const { server, client } = await pair()
    server.handle('echo', async (n: number) => { await new Promise((r) => setTimeout(r, (n * 7) % 13)); return n })
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => client.request('echo', [i])))
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })

  it('times out with ERR_REQUEST_TIMEOUT and drops the late reply', async () => {
    const { server, client } = await pair()
    let calls = 0
    server.handle('lag', async (n: number) => { calls++; await new Promise((r) => setTimeout(r, n === 1 ? 150 : 0)); return `answer ${n}` })
    await expect(client.request('lag', [1], { timeoutMs: 50 })).rejects.toMatchObject({ code: ErrorCodes.REQUEST_TIMEOUT })
    expect(await client.request('lag', [2])).toBe('answer 2')
    await new Promise((r) => setTimeout(r, 150)) // the late 'answer 1' arrives now and must be dropped
    expect(await client.request('lag', [3])).toBe('answer 3')
    expect(calls).toBe(3)
    expect(client.pendingRequests).toBe(0)
  })

  it('bounds the pending requests', async () => {
    const { client } = await pair({}, { maxPendingRequests: 2 })
    const a = client.request('x', [], { timeoutMs: 100 })
    const b = client.request('x', [], { timeoutMs: 100 })
    await expect(client.request('x')).rejects.toMatchObject({ code: ErrorCodes.TOO_MANY_REQUESTS })
    await Promise.allSettled([a, b])
  })

  it('request frames are ordinary lines a plain duplex-emitter peer ignores', async () => {
    const lines: string[] = []
    const srv = await tcpServer((socket) => socket.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean))))
    cleanups.push(srv.close)
    const client = new RemoteEmitter(await connect(srv.port))
    cleanups.push(() => client.destroy())
    const pending = client.request('method', ['arg'], { timeoutMs: 30 })
    await expect(pending).rejects.toMatchObject({ code: ErrorCodes.REQUEST_TIMEOUT })
    const frame = JSON.parse(lines[0] as string) as unknown[]
    expect(frame[0]).toBe('$req')
    expect(typeof frame[1]).toBe('string')
    expect(frame.slice(2)).toEqual(['method', 'arg'])
  })
})
