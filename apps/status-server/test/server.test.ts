import net from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { describeStatus, knownStatusCodes, replyFor } from '../src/index.js'
import { collectUntilClose, onCleanup, rawConnect, startStatusServer } from './helpers.js'

const KNOWN = knownStatusCodes().map(String)

/** Mixed requests: mostly known codes, some unknown, some garbage. */
function mixedRequests (count: number, seed = 1): string[] {
  let x = seed
  const rand = (n: number): number => { x = (x * 1103515245 + 12345) % 2147483648; return x % n }
  return Array.from({ length: count }, (_, i) => {
    if (i % 50 === 7) return '999'
    if (i % 50 === 23) return 'nope'
    return KNOWN[rand(KNOWN.length)] as string
  })
}

const expected = (request: string): string => replyFor(request).slice(0, -1)

async function client (port: number): Promise<LineClient> {
  const c = await LineClient.connect(port)
  onCleanup(() => c.socket.destroy())
  return c
}

describe('status-server over raw TCP', () => {
  it('answers 1000 codes written in one chunk, in order, one line each', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    const requests = mixedRequests(1000)
    c.write(requests.join('\n') + '\n')
    const replies = await c.take(1000)
    expect(replies).toEqual(requests.map(expected))
    expect(replies[0]).toMatch(/^Code \d{3}: /)
    // Nothing extra follows.
    c.send('200')
    expect(await c.next()).toBe(describeStatus(200))
  })

  it('answers a code split across chunks ("4", then "04\\r\\n") once', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    c.write('4')
    await sleep(30)
    c.write('04\r\n')
    expect(await c.next()).toBe(describeStatus(404))
    c.send('201')
    expect(await c.next()).toBe(describeStatus(201))
    expect(c.lines).toHaveLength(2)
  })

  it('decodes requests split at every byte position', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    const payload = '404\r\n500\n\n302\n'
    for (let cut = 1; cut < payload.length; cut++) {
      c.write(payload.slice(0, cut))
      await sleep(5)
      c.write(payload.slice(cut))
      expect(await c.take(4)).toEqual([describeStatus(404), describeStatus(500), expected(''), describeStatus(302)])
    }
  })

  it('gives unknown codes, garbage, empty lines and invalid UTF-8 one error line each and stays usable', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    c.write(Buffer.concat([
      Buffer.from('999\r\nabc\n\n12\n4044\n'),
      // 0xFF is Telnet's IAC (stripped as a command), so the invalid UTF-8 here is 0xFE 0xFE.
      Buffer.from([0xfe, 0xfe, 0x0a]),
      Buffer.from('200\n')
    ]))
    expect(await c.take(7)).toEqual([
      'Error: unknown status code 999',
      'Error: expected a 3-digit status code, got "abc"',
      'Error: empty line; send a 3-digit status code such as 404',
      'Error: expected a 3-digit status code, got "12"',
      'Error: expected a 3-digit status code, got "4044"',
      'Error: expected a 3-digit status code, got "\uFFFD\uFFFD"',
      describeStatus(200)
    ])
    expect(c.isClosed).toBe(false)
  })

  it('answers an unterminated last line when the client half-closes (nc at end of input)', async () => {
    const { port } = await startStatusServer()
    const socket = await rawConnect(port)
    const received = collectUntilClose(socket)
    socket.end('200\n404')
    expect(await received).toBe(`${String(describeStatus(200))}\n${String(describeStatus(404))}\n`)
  })

  it('closes a connection whose line grows past maxLineBytes with an error line; others go on', async () => {
    const { port, status } = await startStatusServer({ maxLineBytes: 64 })
    const bystander = await client(port)
    const socket = await rawConnect(port)
    const received = collectUntilClose(socket)
    socket.write('200\n' + 'x'.repeat(100))
    expect(await received).toBe(`${String(describeStatus(200))}\nError: line too long (more than 64 bytes without a newline); closing the connection\n`)
    bystander.send('503')
    expect(await bystander.next()).toBe(describeStatus(503))
    await waitUntil(() => status.connectionCount === 1, 'the flooder to be dropped')
  })

  it('closes a flood without any newline long before it is all sent', async () => {
    const { port } = await startStatusServer() // default limit: 1024 bytes
    const socket = await rawConnect(port)
    const received = collectUntilClose(socket)
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    // Keep writing until the server has closed on us; the first 64 KiB is already too much.
    for (let i = 0; i < 160 && !socket.destroyed && socket.writable; i++) {
      if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), once(socket, 'close')])
    }
    expect(await received).toBe('Error: line too long (more than 1024 bytes without a newline); closing the connection\n')
  })

  it('serves 50 pipelining clients at once, each getting its own answers in order', async () => {
    const { port } = await startStatusServer()
    const clients = await Promise.all(Array.from({ length: 50 }, async () => await client(port)))
    await Promise.all(clients.map(async (c, i) => {
      const requests = mixedRequests(200, i + 2)
      for (let k = 0; k < requests.length; k += 50) c.write(requests.slice(k, k + 50).join('\n') + '\n')
      expect(await c.take(200)).toEqual(requests.map(expected))
    }))
  })

  it('closes an idle connection with an error line; traffic keeps a connection alive', async () => {
    const { port } = await startStatusServer({ idleTimeoutMs: 200 })
    const idle = await rawConnect(port)
    const busy = await client(port)
    const started = Date.now()
    const received = collectUntilClose(idle)
    for (let i = 0; i < 5; i++) {
      await sleep(80)
      busy.send('200')
    }
    expect(await received).toBe('Error: idle for 200 ms; closing the connection\n')
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(await busy.take(5)).toEqual(Array(5).fill(describeStatus(200)))
    expect(busy.isClosed).toBe(false)
  })

  it('refuses connections past maxConnections with an error line, and accepts again once one leaves', async () => {
    const { port, status } = await startStatusServer({ maxConnections: 2 })
    const a = await client(port)
    const b = await client(port)
    await waitUntil(() => status.connectionCount === 2, 'two connections')
    const third = await rawConnect(port)
    expect(await collectUntilClose(third)).toBe('Error: too many connections (limit 2); try again later\n')
    a.send('200')
    b.send('201')
    expect(await a.next()).toBe(describeStatus(200))
    expect(await b.next()).toBe(describeStatus(201))
    await a.close()
    await waitUntil(() => status.connectionCount === 1, 'the first client to be gone')
    const fourth = await client(port)
    fourth.send('202')
    expect(await fourth.next()).toBe(describeStatus(202))
  })

  it('stops reading from a client that does not read its replies, then answers everything once it does', async () => {
    const { port, status } = await startStatusServer()
    let serverSide: net.Socket | undefined
    status.server.once('connection', (s: net.Socket) => { serverSide = s })
    const socket = await rawConnect(port)
    socket.pause()
    const requestCount = 512 * 1024
    const input = Buffer.from('404\n'.repeat(requestCount))
    socket.write(input)
    await waitUntil(() => serverSide !== undefined && serverSide.bytesRead > 0, 'the server to read')
    await sleep(300)
    const readWhilePaused = serverSide?.bytesRead ?? 0
    // Replies are ~24x the requests; the server stopped after a few MB of output, not 48 MB.
    expect(readWhilePaused).toBeLessThan(input.length / 2)

    const replyBytes = Buffer.byteLength(replyFor('404'))
    let received = 0
    let wrong = false
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        // Every reply is the same line, so a byte at a reply boundary must be 'C'.
        const offset = (replyBytes - (received % replyBytes)) % replyBytes
        if (offset < chunk.length && chunk[offset] !== 0x43) wrong = true
        received += chunk.length
        if (received >= requestCount * replyBytes) resolve()
      })
    })
    socket.resume()
    await done
    expect(wrong).toBe(false)
    expect(received).toBe(requestCount * replyBytes)
  })

  it('close() answers what was read, ends every connection and stops accepting', async () => {
    const { port, status } = await startStatusServer()
    const socket = await rawConnect(port)
    const received = collectUntilClose(socket)
    const requests = mixedRequests(1000, 9)
    socket.write(requests.join('\n') + '\n')
    await waitUntil(() => status.connectionCount === 1, 'the connection')
    await new Promise((resolve) => socket.once('data', resolve))
    // The client keeps its side open: end-of-stream (FIN) is what tells it the server is going.
    socket.on('end', () => socket.end())
    await status.close()
    expect((await received).split('\n').slice(0, -1)).toEqual(requests.map(expected))
    const refused = net.connect(port, '127.0.0.1')
    const [err] = await once(refused, 'error') as [NodeJS.ErrnoException]
    expect(err.code).toBe('ECONNREFUSED')
  })

  it('close() destroys a client that never closes its side after closeGraceMs', async () => {
    const { port, status } = await startStatusServer({ closeGraceMs: 100 })
    const socket = await rawConnect(port)
    socket.on('end', () => {}) // allowHalfOpen is false by default, so Node ends for us; prevent nothing
    const half = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    half.on('error', () => {})
    onCleanup(() => half.destroy())
    await once(half, 'connect')
    await waitUntil(() => status.connectionCount === 2, 'two connections')
    const started = Date.now()
    await status.close()
    expect(Date.now() - started).toBeLessThan(2000)
    await waitUntil(() => half.destroyed || half.readableEnded, 'the half-open client to see the end')
    expect(status.connectionCount).toBe(0)
  })
})
