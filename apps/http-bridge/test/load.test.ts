import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { describeStatus, knownStatusCodes } from '@eventwire/status-server'
import { get, startBridge, startStatus, type Got } from './helpers.js'

const KNOWN = knownStatusCodes()

/** The body the bridge must give for a code: its own description, or 404 JSON for an unknown code. */
function check (code: number, res: Got): string | null {
  if (KNOWN.includes(code)) {
    if (res.status !== 200) return `${code}: status ${res.status}`
    return res.body === JSON.stringify({ code, data: describeStatus(code) }) ? null : `${code}: body ${res.body}`
  }
  if (res.status !== 404) return `${code}: status ${res.status}`
  return JSON.parse(res.body).message === `Error: unknown status code ${code}` ? null : `${code}: body ${res.body}`
}

/** Runs `total` requests with `concurrency` workers; `pick(i)` gives request i's code. */
async function load (url: string, total: number, concurrency: number, pick: (i: number) => number, onResult: (code: number, res: Got, startedAt: number) => void): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++
      const code = pick(i)
      const startedAt = Date.now()
      const path = i % 2 === 0 ? `/status/${code}` : `/?statusCode=${code}`
      onResult(code, await get(url + path, 8000), startedAt)
    }
  }))
}

const warnings: Error[] = []
const onWarning = (w: Error): void => { warnings.push(w) }
beforeAll(() => { process.on('warning', onWarning) })
afterAll(() => { process.off('warning', onWarning) })

describe('http-bridge under load against a real status-server', () => {
  it('answers 2,000 requests at 100 concurrent, mixed codes, every body its own (0 wrong)', async () => {
    const { port } = await startStatus()
    const { url } = await startBridge({ statusPort: port })
    const codes = [...KNOWN, 999, 123, 600]
    const wrong: string[] = []
    let count = 0
    await load(url, 2000, 100, (i) => codes[(i * 7919) % codes.length] as number, (code, res) => {
      count++
      const problem = check(code, res)
      if (problem !== null) wrong.push(problem)
    })
    expect(count).toBe(2000)
    expect(wrong).toEqual([])
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  it('answers only 503s, at once, while status-server is down mid-load, and 200s again once it is back', async () => {
    const { status, port } = await startStatus()
    // A long timeout makes "503 at once" distinguishable from "503 after the timeout".
    const { bridge, url } = await startBridge({ statusPort: port, timeoutMs: 10_000, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } })
    let killedAt = Infinity
    const before: string[] = []
    const after: Array<{ status: number, retryAfter: string | null, code: string, ms: number }> = []
    let oks = 0
    const running = load(url, 3000, 50, (i) => KNOWN[i % KNOWN.length] as number, (code, res, startedAt) => {
      if (startedAt > killedAt) {
        after.push({ status: res.status, retryAfter: res.headers.get('retry-after'), code: res.status === 200 ? '' : JSON.parse(res.body).code, ms: res.ms })
      } else if (res.status === 200) {
        oks++
        const problem = check(code, res)
        if (problem !== null) before.push(problem)
      } else if (res.status !== 503) {
        before.push(`${code}: status ${res.status} around the kill`)
      }
    })
    await waitUntil(() => oks >= 300, '300 good answers before the kill', 10_000)
    killedAt = Date.now()
    await status.destroy() // as if the process died: connections reset, port closed
    await running

    expect(before).toEqual([])
    expect(after.length).toBeGreaterThan(100)
    expect(after.filter((r) => r.status !== 503)).toEqual([])
    expect(after.filter((r) => r.retryAfter === null || !/^\d+$/.test(r.retryAfter))).toEqual([])
    // DOWN once the bridge has seen the reset; LOST for one sent in the instant before it did.
    expect(after.filter((r) => r.code !== 'ERR_UPSTREAM_DOWN' && r.code !== 'ERR_UPSTREAM_LOST')).toEqual([])
    // None waited for the 10 s timeout.
    expect(Math.max(...after.map((r) => r.ms))).toBeLessThan(5000)
    expect((await get(url + '/readyz')).status).toBe(503)

    // Restart on the same port: the bridge reconnects by itself.
    await startStatus(port)
    await bridge.waitForUpstream(5000)
    expect((await get(url + '/readyz')).status).toBe(200)
    const wrong: string[] = []
    await load(url, 500, 50, (i) => KNOWN[(i * 13) % KNOWN.length] as number, (code, res) => {
      const problem = check(code, res)
      if (problem !== null) wrong.push(problem)
    })
    expect(wrong).toEqual([])
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})
