import { describe, expect, it } from 'vitest'
import { ErrorCodes, isProtocolError } from '../src/index.js'
import { PendingRequests } from '../src/pending-requests.js'

function timers (): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

/** When (ms after start) the promise rejected, and with what. */
async function rejection (p: Promise<unknown>, start: number): Promise<{ at: number, err: unknown }> {
  try {
    await p
  } catch (err) {
    return { at: performance.now() - start, err }
  }
  throw new Error('expected a rejection')
}

describe('PendingRequests timeouts (one timer per connection)', () => {
  it('each request times out at its own deadline, whatever order they were sent in', async () => {
    const pending = new PendingRequests(10)
    const start = performance.now()
    const order: string[] = []
    const track = (id: string, p: Promise<unknown>): Promise<{ at: number, err: unknown }> => rejection(p, start).then((r) => { order.push(id); return r })
    // The armed deadline is 150 ms; the later, shorter ones must move it earlier.
    const a = track('a', pending.add('a', 'slow', 150))
    const b = track('b', pending.add('b', 'quick', 30))
    const c = track('c', pending.add('c', 'medium', 80))
    const results = await Promise.all([a, b, c])
    expect(order).toEqual(['b', 'c', 'a'])
    for (const [r, timeoutMs] of [[results[0], 150], [results[1], 30], [results[2], 80]] as const) {
      expect(isProtocolError(r.err, ErrorCodes.REQUEST_TIMEOUT)).toBe(true)
      expect(r.at).toBeGreaterThanOrEqual(timeoutMs - 1)
      expect(r.at).toBeLessThan(timeoutMs + 100)
    }
    expect(pending.size).toBe(0)
  })

  it('a request answered in time is not timed out; one answered late finds nothing', async () => {
    const pending = new PendingRequests(10)
    const answered = pending.add('1', 'm', 40)
    const late = pending.add('2', 'm', 40)
    expect(pending.settle('1', null, 'yes')).toBe(true)
    expect(await answered).toBe('yes')
    await expect(late).rejects.toMatchObject({ code: ErrorCodes.REQUEST_TIMEOUT, details: { id: '2', timeoutMs: 40 } })
    expect(pending.settle('2', null, 'too late')).toBe(false)
  })

  it('settles each answer to its own request, in any order, and refuses ids it never sent', async () => {
    // The first request waits alone (kept outside the map), the next two wait beside it.
    const pending = new PendingRequests(10)
    const first = pending.add('1000000000a', 'm', 1000)
    const second = pending.add('1000000000b', 'm', 1000)
    const third = pending.add('1000000000c', 'm', 1000)
    expect(pending.size).toBe(3)
    expect(pending.settle('1000000000x', null, 'forged')).toBe(false)
    expect(pending.settle('1000000000c', null, 'c')).toBe(true)
    expect(pending.settle('1000000000a', null, 'a')).toBe(true)
    expect(pending.settle('1000000000a', null, 'again')).toBe(false)
    expect(pending.size).toBe(1)
    expect(pending.settle('1000000000b', null, 'b')).toBe(true)
    expect(await Promise.all([first, second, third])).toEqual(['a', 'b', 'c'])
    // Alone again: the next request takes the slot, and a late answer for the old one finds nothing.
    const fourth = pending.add('1000000000d', 'm', 1000)
    expect(pending.settle('1000000000a', null, 'late')).toBe(false)
    pending.rejectAll(new Error('gone'))
    await expect(fourth).rejects.toThrow('gone')
    expect(pending.size).toBe(0)
  })

  it('uses one timer for any number of requests, holding the process only while one waits', async () => {
    const before = timers()
    const pending = new PendingRequests(1000)
    const waiting = Array.from({ length: 500 }, (_, i) => pending.add(String(i), 'm', 10_000))
    expect(timers()).toBe(before + 1)
    for (let i = 0; i < 500; i++) pending.settle(String(i), null, i)
    await Promise.all(waiting)
    expect(timers()).toBe(before) // still armed for the next request, but unref'd
    const again = pending.add('x', 'm', 10_000)
    expect(timers()).toBe(before + 1)
    pending.rejectAll(new Error('gone'))
    await expect(again).rejects.toThrow('gone')
    expect(timers()).toBe(before)
  })

  it('keeps timing out requests sent long after the timer was first armed', async () => {
    const pending = new PendingRequests(10)
    const first = pending.add('1', 'm', 30)
    pending.settle('1', null, 1)
    await first
    await new Promise((r) => setTimeout(r, 50)) // the timer armed for request 1 has fired with nothing to do
    const start = performance.now()
    const r = await rejection(pending.add('2', 'm', 30), start)
    expect(isProtocolError(r.err, ErrorCodes.REQUEST_TIMEOUT)).toBe(true)
    expect(r.at).toBeLessThan(130)
  })

  it('rejects at once past max, and frees room as requests settle', async () => {
    const pending = new PendingRequests(2)
    const a = pending.add('a', 'm', 1000)
    pending.add('b', 'm', 1000).catch(() => {})
    expect(pending.full).toBe(true)
    await expect(pending.add('c', 'm', 1000)).rejects.toMatchObject({ code: ErrorCodes.TOO_MANY_REQUESTS })
    pending.settle('a', null, 1)
    await a
    expect(pending.full).toBe(false)
    pending.rejectAll(new Error('done'))
  })
})
