import { connectClient, connectMany, type Proto } from './_clients.js'
import { main, on, params, send } from './_ipc.js'

interface Params {
  proto: Proto
  port: number
  receivers: number
  messages: number
  window: number
  /** Extra receivers that stop reading once connected; not counted, not waited for. */
  stalled?: number
  /** Pads each message's text to about this many bytes. */
  textBytes?: number
  /** Send `connected` and wait for `go` before the burst (so the parent can take a baseline). */
  gate?: boolean
  /** Messages sent, with the same pacing, before the clock starts: JIT and buffers warm up first. */
  warmup?: number
}

const MARK = 'fanout-bench'
const TEXT = 'lorem ipsum dolor sit amet, consectetur adipiscing elit'

/**
 * N receivers and one sender in this process (the server is elsewhere). The
 * sender keeps at most `window` messages ahead of the slowest receiver, the
 * same pacing for every contender, so no server ever has to buffer a flood.
 */
main(async () => {
  const p = params<Params>()
  const n = p.receivers
  const warmup = p.warmup ?? 0
  const total = warmup + p.messages
  const got = new Int32Array(n)
  let target = -1
  let wake: (() => void) | null = null
  // reached[k]: receivers that have the (k+1)-th marked message. Index 0 is the sync message.
  const reached = new Int32Array(total + 1)
  const clients = await connectMany(n, 100, (i) => connectClient(p.proto, p.port, MARK, () => {
    const k = got[i]!++
    if (k <= total && ++reached[k]! === n && k === target && wake) { const w = wake; wake = null; w() }
  }))
  const stalledGot: number[] = []
  const stalled = await connectMany(p.stalled ?? 0, 100, (i) => {
    stalledGot[i] = 0
    return connectClient(p.proto, p.port, MARK, () => { stalledGot[i]!++ })
  })
  for (const c of stalled) c.pause()
  const sender = connectClient(p.proto, p.port, '\u0000never', () => {})
  await sender.ready
  const text = TEXT.padEnd(p.textBytes ?? 0, ' ' + TEXT)
  if (p.gate === true) {
    const go = new Promise<void>((resolve) => on('go', () => resolve()))
    send({ type: 'connected' })
    await go
  }
  const until = async (k: number): Promise<void> => {
    if (reached[k]! >= n) return
    target = k
    await new Promise<void>((resolve) => { wake = resolve })
  }
  // Barrier: once every receiver has the sync message, the join notices are behind us.
  sender.send(`${MARK} sync ${text}`)
  await until(0)
  let t0 = process.hrtime.bigint()
  for (let i = 1; i <= total; i++) {
    if (i === warmup + 1 && warmup > 0) {
      await until(warmup)
      t0 = process.hrtime.bigint()
    }
    if (i - p.window >= 1) await until(i - p.window)
    sender.send(`${MARK} ${i} ${text}`)
  }
  await until(total)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  send({ type: 'result', deliveries: n * p.messages, ms })
  if (stalled.length > 0) {
    // Read what the server kept for the stalled receivers: everything (an unbounded queue),
    // or up to its queue limit and then a close. Done when no more arrives for 500 ms (at most 10 s).
    const closed = stalled.map(() => false)
    stalled.forEach((c, i) => { void c.closed.then(() => { closed[i] = true }) })
    for (const c of stalled) c.resume()
    const deadline = Date.now() + 10_000
    let last = -1
    while (sum(stalledGot) !== last && Date.now() < deadline) {
      last = sum(stalledGot)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    send({ type: 'stalled', got: Math.max(...stalledGot), of: total + 1, closed: closed.filter(Boolean).length })
  }
  for (const c of [...clients, ...stalled]) c.close()
  sender.close()
  setTimeout(() => process.exit(0), 100)
})

function sum (xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}
