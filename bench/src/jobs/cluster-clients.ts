import { performance } from 'node:perf_hooks'
import { connectClient, connectMany, type BenchClient } from './_clients.js'
import { Tally } from './_cluster-tally.js'
import { main, on, params, send } from './_ipc.js'

interface Params {
  /** fanout: windowed burst, throughput and latency; loss: paced traffic while the parent restarts Redis. */
  mode: 'fanout' | 'loss'
  proto: 'ws-json' | 'socket.io'
  /** One port per instance, A first: the sender is on A, receiver i on instance i % ports.length. */
  ports: number[]
  receivers: number
  messages: number
  /** How long the sync message may take to reach every receiver (a cluster that does not relay fails here). */
  syncTimeoutMs: number
  window?: number
  warmup?: number
  ratePerS?: number
  /** loss: after sending this sequence number, tell the parent (`midway`), which restarts Redis. */
  midwayAt?: number
  /** loss: done when nothing has arrived for this long (after the parent said `restarted`). */
  settleMs?: number
}

const MARK = 'xfan'
const TEXT = 'lorem ipsum dolor sit amet, consectetur adipiscing elit'
/** A message that has not reached every receiver this long after the previous ones did is a failure, not a wait. */
const STALL_MS = 15_000
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
/** Wall-clock milliseconds with sub-ms resolution: the stamp and the receive time use the same clock. */
const now = (): number => performance.timeOrigin + performance.now()

/** `xfan <seq> <send time> text`: the same line for every contender; receivers parse seq and stamp back. */
function line (seq: number): string {
  return `${MARK} ${seq} ${now().toFixed(3)} ${TEXT}`
}

/** Receiver side: chat frames are JSON events (only `type: "message"` counts); socket.io hands us the text. */
function receiver (p: Params, tally: Tally, i: number): BenchClient {
  return connectClient(p.proto, p.ports[i % p.ports.length]!, MARK, (raw) => {
    let text = raw
    if (p.proto === 'ws-json') {
      let ev: { type?: unknown, text?: unknown }
      try { ev = JSON.parse(raw) as typeof ev } catch { tally.strays++; return }
      if (ev.type !== 'message' || typeof ev.text !== 'string') return
      text = ev.text
    }
    const at = text.indexOf(MARK + ' ')
    if (at === -1) { tally.strays++; return }
    const [seq, stamp] = text.slice(at + MARK.length + 1).split(' ', 2)
    tally.record(i, Number(seq), Number(stamp), now())
  })
}

/** What the server told the sender: chat answers a message it could not accept with an `error` event. */
interface Refusals { count: number, seqs: Set<number>, codes: Record<string, number> }

function sender (p: Params, refusals: Refusals): BenchClient {
  const seqOf = new RegExp(`${MARK} (\\d+) `)
  return connectClient(p.proto, p.ports[0]!, '"error"', (raw) => {
    let ev: { type?: unknown, code?: unknown }
    try { ev = JSON.parse(raw) as typeof ev } catch { return }
    if (ev.type !== 'error') return
    refusals.count++
    const code = typeof ev.code === 'string' ? ev.code : 'no code'
    refusals.codes[code] = (refusals.codes[code] ?? 0) + 1
    // If the error names the message (echoes its text), the refusal is matched exactly.
    const m = raw.match(seqOf)
    if (m !== null) refusals.seqs.add(Number(m[1]))
  })
}

/** Sends the sync message every 250 ms until every receiver has one: join notices and subscriptions are then behind us. */
async function sync (p: Params, tally: Tally, tx: BenchClient): Promise<boolean> {
  const deadline = Date.now() + p.syncTimeoutMs
  while (Date.now() < deadline) {
    tx.send(line(0))
    if (await tally.until(() => tally.syncedCount >= tally.n, 250)) return true
  }
  return false
}

/** As the fanout benchmark: the sender stays at most `window` messages ahead of the slowest receiver. */
async function fanout (p: Params, tally: Tally, tx: BenchClient): Promise<void> {
  const warmup = p.warmup ?? 0
  const window = p.window ?? 20
  const need = async (k: number): Promise<void> => {
    if (!(await tally.until(() => tally.reached[k]! >= tally.n, STALL_MS))) {
      throw new Error(`message ${k} reached ${tally.reached[k]} of ${tally.n} receivers within ${STALL_MS} ms`)
    }
  }
  let t0 = performance.now()
  for (let i = 1; i <= tally.total; i++) {
    if (i === warmup + 1 && warmup > 0) {
      await need(warmup)
      t0 = performance.now()
    }
    if (i - window >= 1) await need(i - window)
    tx.send(line(i))
  }
  if (tally.total > 0) await need(tally.total)
  const ms = performance.now() - t0
  send({ type: 'result', synced: true, deliveries: tally.n * p.messages, ms, ...tally.latencyPercentiles(), duplicates: tally.duplicates, outOfOrder: tally.outOfOrder, strays: tally.strays })
}

/** Fixed-rate traffic, `midway` to the parent (which restarts Redis), then counts what every receiver got. */
async function loss (p: Params, tally: Tally, tx: BenchClient, refusals: Refusals, restarted: Promise<void>): Promise<void> {
  const rate = p.ratePerS ?? 500
  const total = tally.total
  const t0 = Date.now()
  // Bounded even if the event loop stalls: three times the nominal duration, plus 10 s.
  const sendUntil = t0 + total / rate * 3000 + 10_000
  let i = 1
  while (i <= total && Date.now() < sendUntil) {
    const due = Math.min(total, Math.floor((Date.now() - t0) * rate / 1000) + 1)
    for (; i <= due; i++) {
      tx.send(line(i))
      if (i === p.midwayAt) send({ type: 'midway', seq: i })
    }
    await sleep(2)
  }
  const sent = i - 1
  const sendMs = Date.now() - t0
  await Promise.race([restarted, sleep(15_000)])
  const settleMs = p.settleMs ?? 2000
  // Quiet is counted from the last delivery or from Redis being back, whichever is later:
  // a cluster still catching up after the restart gets its settleMs.
  const back = now()
  const settleUntil = Date.now() + 20_000
  while (tally.firsts < tally.n * sent && Date.now() < settleUntil && now() - Math.max(back, tally.lastDeliveryAt) < settleMs) await sleep(100)
  send({ type: 'result', synced: true, sent, sendMs, ...lossCounts(tally, sent, refusals, p.ports.length) })
}

/**
 * Lost = receiver × message pairs never delivered, except for messages the sender was told were
 * refused and that reached nobody: an error naming the message excuses that message; an error
 * naming none excuses one message that reached nobody (lowest first), never more than errors received.
 */
function lossCounts (tally: Tally, sent: number, refusals: Refusals, instances: number): Record<string, unknown> {
  const refused = new Set<number>()
  for (const s of refusals.seqs) if (s >= 1 && s <= sent && tally.reached[s] === 0) refused.add(s)
  let spare = refusals.count - refusals.seqs.size
  let partial = 0
  for (let s = 1; s <= sent; s++) {
    if (tally.reached[s] === 0 && spare > 0 && !refused.has(s)) { refused.add(s); spare-- }
    if (tally.reached[s]! > 0 && tally.reached[s]! < tally.n) partial++
  }
  const missing = tally.n * sent - tally.firsts
  return {
    lost: missing - tally.n * refused.size,
    duplicated: tally.duplicates,
    outOfOrder: tally.outOfOrder,
    refused: refused.size,
    errors: refusals.count,
    codes: refusals.codes,
    partial,
    perInstance: tally.perInstance(instances, sent),
    strays: tally.strays
  }
}

main(async () => {
  const p = params<Params>()
  const n = p.receivers
  const total = (p.warmup ?? 0) + p.messages
  const tally = new Tally(n, total, p.warmup ?? 0, p.mode === 'fanout' ? n * p.messages : 0)
  const restarted = new Promise<void>((resolve) => on('restarted', () => resolve()))
  const refusals: Refusals = { count: 0, seqs: new Set(), codes: {} }
  const rx = await connectMany(n, 100, (i) => receiver(p, tally, i))
  const tx = sender(p, refusals)
  await tx.ready
  if (!(await sync(p, tally, tx))) {
    send({ type: 'result', synced: false, syncedPerInstance: tally.syncedPerInstance(p.ports.length) })
  } else if (p.mode === 'fanout') {
    await fanout(p, tally, tx)
  } else {
    await loss(p, tally, tx, refusals, restarted)
  }
  for (const c of rx) c.close()
  tx.close()
  setTimeout(() => process.exit(0), 100)
})
