import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ServerEvent } from '../src/core/events.js'
import { ChatTransportStats } from '../src/ops/transport-stats.js'
import { TurnWriter, type TurnSocket, type TurnTarget } from '../src/tcp/turn-writer.js'

/** A socket that records each write; `refuse` makes it keep what it is given, as a kernel that takes nothing. */
class FakeSocket implements TurnSocket {
  writable = true
  writableLength = 0
  refuse = false
  readonly writes: Buffer[] = []
  write (chunk: Buffer): boolean {
    this.writes.push(chunk)
    if (this.refuse) this.writableLength += chunk.length
    return !this.refuse
  }

  text (): string {
    return Buffer.concat(this.writes).toString()
  }
}

interface Reader extends TurnTarget { socket: FakeSocket, member: { nick: string } }

function reader (nick: string): Reader {
  return { turnSlot: -1, member: { nick }, socket: new FakeSocket() }
}

const message = (from: string, text: string): ServerEvent => ({ type: 'message', from, text, fromId: from, ts: 0, seq: 0 })

const writers: TurnWriter[] = []
afterEach(() => { for (const w of writers.splice(0)) w.flush() })

function writer (maxQueueBytes = 256 * 1024): { writer: TurnWriter, stats: ChatTransportStats } {
  const stats = new ChatTransportStats()
  const w = new TurnWriter({ maxQueueBytes, stats })
  writers.push(w)
  return { writer: w, stats }
}

/** Hands every reader the same event objects, as a room's fan-out does. */
function fanOut (w: TurnWriter, readers: Reader[], events: ServerEvent[]): void {
  for (const event of events) for (const r of readers) expect(w.send(r, r.socket, event)).toBe(true)
}

describe('TurnWriter', () => {
  it('writes each reader one Buffer per turn, the same Buffer for readers that got the same lines', async () => {
    const { writer: w, stats } = writer()
    const readers = [reader('a'), reader('b'), reader('c')]
    fanOut(w, readers, [message('x', 'one'), message('x', 'two'), message('x', 'three')])
    expect(readers[0]!.socket.writes).toHaveLength(0) // nothing before the end of the turn
    await nextTurn()
    for (const r of readers) {
      expect(r.socket.writes).toHaveLength(1)
      expect(r.socket.text()).toBe('<x> one\n<x> two\n<x> three\n')
      expect(r.socket.writes[0]).toBe(readers[0]!.socket.writes[0])
      expect(r.turnSlot).toBe(-1)
    }
    expect(stats.messagesDelivered).toBe(9)
  })

  it('keeps each reader\'s order when it missed a line or got a private one between shared ones', async () => {
    const { writer: w } = writer()
    const [a, b] = [reader('a'), reader('b')]
    const one = message('x', 'one')
    const two = message('x', 'two')
    fanOut(w, [a, b], [one])
    w.send(a, a.socket, { type: 'private', from: 'b', to: 'a', text: 'psst', ts: 0 })
    w.send(b, b.socket, { type: 'private', from: 'b', to: 'a', text: 'psst', ts: 0 })
    fanOut(w, [a], [two]) // b is the author here: no echo
    fanOut(w, [a, b], [message('x', 'three')])
    await nextTurn()
    expect(a.socket.text()).toBe('<x> one\n[private] <b> psst\n<x> two\n<x> three\n')
    expect(b.socket.text()).toBe('<x> one\n[private to a] psst\n<x> three\n')
    expect(a.socket.writes).toHaveLength(1)
    expect(b.socket.writes).toHaveLength(1)
  })

  it('writes a reader that joined mid-run its own lines only', async () => {
    const { writer: w } = writer()
    const [a, b] = [reader('a'), reader('b')]
    fanOut(w, [a], [message('x', 'one')])
    fanOut(w, [a, b], [message('x', 'two'), message('x', 'three')])
    await nextTurn()
    expect(a.socket.text()).toBe('<x> one\n<x> two\n<x> three\n')
    expect(b.socket.text()).toBe('<x> two\n<x> three\n')
  })

  it('counts what waits for the turn and what the kernel refused against the queue limit', async () => {
    const { writer: w, stats } = writer(100)
    const r = reader('r')
    r.socket.refuse = true
    r.socket.writableLength = 60
    expect(w.send(r, r.socket, message('x', 'a'.repeat(30)))).toBe(true) // 60 + 0 waiting: fits
    expect(w.send(r, r.socket, message('x', 'b'.repeat(30)))).toBe(true) // 60 + 35 waiting: fits
    expect(w.send(r, r.socket, message('x', 'c'))).toBe(false) // 60 + 70 waiting: over
    expect(stats.messagesDelivered).toBe(2)
    expect(stats.messagesDropped.get('not_reading')).toBe(1)
    await nextTurn()
    expect(r.socket.writes).toHaveLength(1)
    expect(r.socket.writableLength).toBe(130)
  })

  it('hands the rest of a fan-out on without reading the socket while its queue certainly fits, and reads it when not', async () => {
    const { writer: w, stats } = writer(110)
    const [b, a, c] = [reader('b'), reader('a'), reader('c')]
    for (const r of [a, c]) {
      r.socket.refuse = true
      r.socket.writableLength = 50
    }
    const lines = ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)].map((t) => message('x', t)) // 35 bytes each
    fanOut(w, [b, a, c], lines.slice(0, 2)) // a and c: 50 + 0, then 50 + 35 waiting: both fit
    c.socket.writableLength = 0 // the kernel took c's meanwhile
    // 50 + 70 is past the bound: each socket is read. a: 50 + 70, refused; c: 0 + 70, fits.
    expect([b, a, c].map((r) => w.send(r, r.socket, lines[2]!))).toEqual([true, false, true])
    expect(stats.messagesDropped.get('not_reading')).toBe(1)
    await nextTurn()
    const text = (n: number): string => lines.slice(0, n).map((e) => `<x> ${(e as { text: string }).text}\n`).join('')
    expect([b, a, c].map((r) => r.socket.text())).toEqual([text(3), text(2), text(3)])
    expect(stats.messagesDelivered).toBe(8)
  })

  it('after flushNow and a write straight to the socket, reads its queue again', () => {
    const { writer: w, stats } = writer(100)
    const [b, a] = [reader('b'), reader('a')]
    a.socket.refuse = true
    fanOut(w, [b, a], [message('x', 'a'.repeat(30))])
    w.flushNow(a)
    a.socket.write(Buffer.from('t'.repeat(70))) // a telnet answer: 35 + 70 queued now
    const next = message('x', 'next')
    expect(w.send(b, b.socket, next)).toBe(true)
    expect(w.send(a, a.socket, next)).toBe(false)
    expect(stats.messagesDropped.get('not_reading')).toBe(1)
  })

  it('does not count a delivery whose socket closed before the flush', async () => {
    const { writer: w, stats } = writer()
    const [a, b] = [reader('a'), reader('b')]
    fanOut(w, [a, b], [message('x', 'one'), message('x', 'two')]) // b gets both without its socket being read
    b.socket.writable = false
    await nextTurn()
    expect(b.socket.writes).toHaveLength(0)
    expect(a.socket.text()).toBe('<x> one\n<x> two\n')
    // a: both counted (each line's first reader is checked and counted at once); b: the first only, counted
    // when it was handed over; its second waited for the flush and was never written.
    expect(stats.messagesDelivered).toBe(3)
  })

  it('writes out what waits past 16 KiB at once, so a big batch is not taken for a slow reader', async () => {
    const { writer: w } = writer(16 * 1024)
    const r = reader('r')
    const lines = Array.from({ length: 40 }, (_, i) => message('x', `${i} ${'b'.repeat(1500)}`))
    fanOut(w, [r], lines) // 60 KB in one turn, four times the limit
    expect(r.socket.writes.length).toBeGreaterThanOrEqual(3)
    expect(r.socket.writes.every((b) => b.length <= 16 * 1024 + 1600)).toBe(true)
    await nextTurn()
    expect(r.socket.text()).toBe(lines.map((e) => `<x> ${(e as { text: string }).text}\n`).join(''))
  })

  it('flushNow writes a reader\'s waiting lines ahead of bytes written straight to its socket', () => {
    const { writer: w } = writer()
    const [a, b] = [reader('a'), reader('b')]
    fanOut(w, [a, b], [message('x', 'one')])
    w.flushNow(a)
    a.socket.write(Buffer.from('goodbye\n'))
    expect(a.socket.text()).toBe('<x> one\ngoodbye\n')
    expect(b.socket.writes).toHaveLength(0)
    fanOut(w, [a, b], [message('x', 'two')])
    w.flush()
    expect(a.socket.text()).toBe('<x> one\ngoodbye\n<x> two\n')
    expect(b.socket.text()).toBe('<x> one\n<x> two\n')
  })

  it('neither counts nor writes for a socket that is closing', async () => {
    const { writer: w, stats } = writer()
    const [a, b] = [reader('a'), reader('b')]
    b.socket.writable = false
    fanOut(w, [a, b], [message('x', 'one')])
    expect(stats.messagesDelivered).toBe(1)
    a.socket.writable = false // closed after its line was queued: the line goes with it
    await nextTurn()
    expect(a.socket.writes).toHaveLength(0)
    expect(b.socket.writes).toHaveLength(0)
  })

  it('after a flush to 1,000 readers, waits 10 ms before the next; flush() clears that timer', () => {
    // Fake clocks: the interval is about time, and a loaded machine must not decide this test.
    vi.useFakeTimers({ toFake: ['setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'performance'] })
    try {
      const { writer: w } = writer()
      const readers = Array.from({ length: 1000 }, (_, i) => reader(`r${i}`))
      fanOut(w, readers, [message('x', 'one')])
      vi.advanceTimersToNextTimer()
      const r = readers[0]!
      expect(r.socket.writes).toHaveLength(1)
      vi.advanceTimersByTime(4)
      fanOut(w, [r], [message('x', 'two')])
      vi.advanceTimersByTime(5) // 9 ms after the big flush
      expect(r.socket.writes).toHaveLength(1)
      vi.advanceTimersByTime(1)
      expect(r.socket.text()).toBe('<x> one\n<x> two\n')
      fanOut(w, [r], [message('x', 'three')]) // a small flush before: no wait
      vi.advanceTimersToNextTimer()
      expect(r.socket.text()).toBe('<x> one\n<x> two\n<x> three\n')
      fanOut(w, readers, [message('x', 'four')])
      vi.advanceTimersToNextTimer()
      fanOut(w, [r], [message('x', 'five')])
      expect(vi.getTimerCount()).toBe(1)
      w.flush()
      expect(vi.getTimerCount()).toBe(0)
      expect(r.socket.text()).toBe('<x> one\n<x> two\n<x> three\n<x> four\n<x> five\n')
    } finally {
      vi.useRealTimers()
    }
  })
})
