import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { LineClient } from '@eventwire/testkit'
import { createStatusServer, describeStatus, knownStatusCodes, replyFor } from '../src/index.js'
import { collectUntilClose, onCleanup, rawConnect, startStatusServer } from './helpers.js'

async function client (port: number): Promise<LineClient> {
  const c = await LineClient.connect(port)
  onCleanup(() => c.socket.destroy())
  return c
}

const expected = (request: string): string => replyFor(request).slice(0, -1)

describe('a request of three digits with no line end (the tutorial client)', () => {
  it('is answered once the client goes quiet, one request after another, and a later line end adds no reply', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    // As the tutorial's client does: write the code, no newline, and wait for the answer.
    c.write('404')
    expect(await c.next()).toBe(describeStatus(404))
    c.write('500')
    expect(await c.next()).toBe(describeStatus(500))
    c.write('200')
    expect(await c.next()).toBe(describeStatus(200))
    // The line end of the last one closes it: no "empty line" error follows.
    c.write('\n')
    c.send('201')
    expect(await c.next()).toBe(describeStatus(201))
    expect(c.lines).toEqual([describeStatus(404), describeStatus(500), describeStatus(200), describeStatus(201)])
  })

  it('treats a \\r\\n after an early answer as the end of that line, even when \\r and \\n come apart', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    c.write('418')
    expect(await c.next()).toBe(describeStatus(418))
    c.write('\r')
    await sleep(20)
    c.write('\n302\r\n')
    expect(await c.next()).toBe(describeStatus(302))
    expect(c.lines).toHaveLength(2)
  })

  it('answers unknown three-digit codes early too', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    c.write('999')
    expect(await c.next()).toBe('Error: unknown status code 999')
  })

  it('starts a new request with digits that come after an early answer', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    c.write('404')
    expect(await c.next()).toBe(describeStatus(404))
    c.write('4\n')
    expect(await c.next()).toBe('Error: expected a 3-digit status code, got "4"')
  })

  it('answers "404\\n" split as "40" + "4\\n" once', async () => {
    const { port } = await startStatusServer()
    const c = await client(port)
    c.write('40')
    await sleep(150) // longer than the quiet moment: two digits are never answered early
    c.write('4\n')
    expect(await c.next()).toBe(describeStatus(404))
    c.send('204')
    expect(await c.next()).toBe(describeStatus(204))
    expect(c.lines).toEqual([describeStatus(404), describeStatus(204)])
  })

  it('does not answer early what is not exactly three digits', async () => {
    const { port } = await startStatusServer({ quietReplyMs: 20 })
    const c = await client(port)
    for (const partial of ['20', '2000', '40a', ' 404']) {
      c.write(partial)
      await sleep(60)
      c.write('\n')
    }
    c.send('200')
    expect(await c.take(5)).toEqual(['20', '2000', '40a', ' 404', '200'].map(expected))
  })

  it('answers a pipelined burst cut at arbitrary points exactly as before, one reply per line', async () => {
    const { port } = await startStatusServer({ quietReplyMs: 1 })
    const c = await client(port)
    const codes = knownStatusCodes().map(String)
    const requests = Array.from({ length: 600 }, (_, i) => codes[(i * 31) % codes.length] as string)
    const payload = requests.join('\n') + '\n'
    // Cuts land right after three digits and between \r and \n, and some pieces wait
    // past the (1 ms) quiet moment: the replies must not change.
    for (let at = 0; at < payload.length;) {
      const size = 1 + ((at * 7) % 13)
      c.write(payload.slice(at, at + size))
      at += size
      if (at % 5 === 0) await sleep(3)
    }
    expect(await c.take(600)).toEqual(requests.map(expected))
    c.send('202')
    expect(await c.next()).toBe(describeStatus(202))
  })

  it('answers a half-closed unterminated 3-digit line once, early answer or not', async () => {
    const { port } = await startStatusServer()
    const socket = await rawConnect(port)
    const received = collectUntilClose(socket)
    socket.end('404')
    expect(await received).toBe(`${String(describeStatus(404))}\n`)
  })

  it('can be switched off with quietReplyMs: 0 (answers only at the line end)', async () => {
    const { port } = await startStatusServer({ quietReplyMs: 0 })
    const c = await client(port)
    c.write('404')
    await sleep(300)
    c.write('500\n')
    expect(await c.next()).toBe('Error: expected a 3-digit status code, got "404500"')
  })

  it('rejects a bad quietReplyMs', () => {
    expect(() => createStatusServer({ quietReplyMs: -1 })).toThrow(/quietReplyMs/)
  })
})
