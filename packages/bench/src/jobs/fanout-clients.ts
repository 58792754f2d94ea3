import { connectClient, connectMany, type Proto } from './_clients.js'
import { main, params, send } from './_ipc.js'

interface Params { proto: Proto, port: number, receivers: number, messages: number, window: number }

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
  const got = new Int32Array(n)
  let target = -1
  let wake: (() => void) | null = null
  // reached[k]: receivers that have the (k+1)-th marked message. Index 0 is the sync message.
  const reached = new Int32Array(p.messages + 1)
  const clients = await connectMany(n, 100, (i) => connectClient(p.proto, p.port, MARK, () => {
    const k = got[i]!++
    if (k <= p.messages && ++reached[k]! === n && k === target && wake) { const w = wake; wake = null; w() }
  }))
  const sender = connectClient(p.proto, p.port, '\u0000never', () => {})
  await sender.ready
  const until = async (k: number): Promise<void> => {
    if (reached[k]! >= n) return
    target = k
    await new Promise<void>((resolve) => { wake = resolve })
  }
  // Barrier: once every receiver has the sync message, the join notices are behind us.
  sender.send(`${MARK} sync ${TEXT}`)
  await until(0)
  const t0 = process.hrtime.bigint()
  for (let i = 1; i <= p.messages; i++) {
    if (i - p.window >= 1) await until(i - p.window)
    sender.send(`${MARK} ${i} ${TEXT}`)
  }
  await until(p.messages)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  send({ type: 'result', deliveries: n * p.messages, ms })
  for (const c of clients) c.close()
  sender.close()
  setTimeout(() => process.exit(0), 100)
})
