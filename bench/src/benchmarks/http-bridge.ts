import { createRequire } from 'node:module'
import path from 'node:path'
import { BENCH_ROOT, startJob } from '../harness/child.js'
import { appMissing } from '../harness/apps.js'
import { measureSharedRounds, turnOrder } from '../harness/rounds.js'
import { buildRow, ratioTarget, unavailableRow, value, type Samples } from '../harness/rows.js'
import type { Benchmark, Contender, Row, RunContext, TargetResult } from '../harness/types.js'

const require = createRequire(path.join(BENCH_ROOT, 'package.json'))
const CODES = [200, 201, 204, 301, 302, 400, 401, 403, 404, 418, 500, 502, 503]
const TITLE = 'HTTP bridge: autocannon GET /status/<code> over 13 mixed codes, every body checked'

const contenders: Contender[] = [
  { id: 'bridge', role: 'ours', pkg: '@eventwire/http-bridge' },
  { id: 'fastify', role: 'peer', pkg: 'fastify' }
]

interface Expected { body: string, code: number, data: string }
type Metric = 'rps' | 'p99' | 'rssMiB'

/** Per concurrency: c=100 is the issue's (≥ 0.9× fastify's rate, p99 ≤ 1.5× its p99); c=1 and c=10 keep their older, looser bounds. */
const TARGETS: Record<number, { rps: number | null, p99: number }> = {
  1: { rps: 0.5, p99: 3 },
  10: { rps: null, p99: 3 },
  100: { rps: 0.9, p99: 1.5 }
}

/** A body is right when it is the status server's description of that code, as JSON {code, data}. */
function isRight (e: Expected, status: number, body: string): boolean {
  if (status !== 200) return false
  if (body === e.body) return true
  try {
    const v = JSON.parse(body) as { code?: unknown, data?: unknown }
    return v.code === e.code && v.data === e.data
  } catch {
    return false
  }
}

/** What a contender's runs in one round add up to. */
interface Tally {
  right: number
  wrong: number
  errors: number
  seconds: number
  /** Every response time, ms; autocannon's own histogram is in whole ms (0 at c=1 on loopback). */
  readonly lat: Float64Array
  n: number
}

/** Enough for 6 s at twice the fastest rate seen here: bounded, and reused round after round. */
const MAX_SAMPLES = 1_000_000

function newTally (lat: Float64Array): Tally {
  return { right: 0, wrong: 0, errors: 0, seconds: 0, lat, n: 0 }
}

/** One autocannon run against `port`, added to `t` (or, for a warm-up, only its wrong bodies and errors). */
async function cannon (port: number, connections: number, seconds: number, expected: Map<number, Expected>, t: Tally, warmUp = false): Promise<void> {
  type Result = { duration: number, errors: number, timeouts: number }
  type Tracker = { on: (ev: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void) => void }
  const autocannon = require('autocannon') as (opts: unknown, cb: (err: Error | null, r: Result) => void) => Tracker
  let right = 0
  const requests = CODES.map((code) => ({
    method: 'GET',
    path: `/status/${code}`,
    onResponse: (status: number, body: string) => {
      if (isRight(expected.get(code)!, status, body)) right++
      else t.wrong++
    }
  }))
  const r = await new Promise<Result>((resolve, reject) => {
    const tracker = autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests }, (err, res) => err ? reject(err) : resolve(res))
    if (!warmUp) tracker.on('response', (_c, _s, _b, ms) => { if (t.n < t.lat.length) t.lat[t.n++] = ms })
  })
  t.errors += r.errors + r.timeouts
  if (warmUp) return
  t.right += right
  t.seconds += r.duration
}

function p99Of (t: Tally): number {
  if (t.n === 0) return NaN
  const sorted = t.lat.subarray(0, t.n).sort()
  return sorted[Math.max(0, Math.ceil(t.n * 0.99) - 1)]!
}

/** What every body must be: status-server's own description of each code. */
async function expectedBodies (): Promise<Map<number, Expected>> {
  const { describeStatus } = await import('@eventwire/status-server')
  const expected = new Map<number, Expected>()
  for (const code of CODES) {
    const data = describeStatus(code)
    if (data === undefined) throw new Error(`status-server does not know ${code}`)
    expected.set(code, { code, data, body: JSON.stringify({ code, data }) })
  }
  return expected
}

/** One turn of load, s: short, so that both servers see the same stretch of a shared, noisy machine. */
const SLICE_S = 1

/**
 * One round at one concurrency: both servers up at once, each warmed for 1 s
 * (not measured: both are then timed with their hot paths compiled, and the
 * bridge has more code to warm), then `seconds` of load each in 1 s slices,
 * taking turns A B B A A B…. Whatever else the shared machine does then lands
 * on both alike, which a run of one and then a run of the other does not
 * promise; the idle one only wakes for its timers. Wrong bodies count, warm-up included.
 */
async function measureRound (order: Contender[], c: number, seconds: number, expected: Map<number, Expected>, wrong: Map<string, number>, lat: Float64Array[]): Promise<Map<string, Record<Metric, number>>> {
  const timeoutMs = 2 * (seconds + 1) * 1000 + 60_000
  const servers = order.map((k) => startJob('http-servers', { kind: k.id, codes: CODES }, { timeoutMs }))
  try {
    const ports = await Promise.all(servers.map(async (s) => (await s.next<{ type: string, port: number }>('ready', 30_000)).port))
    const tallies = order.map((_, i) => newTally(lat[i]!))
    for (let i = 0; i < order.length; i++) await cannon(ports[i]!, c, 1, expected, tallies[i]!, true)
    for (let slice = 0; slice < seconds / SLICE_S; slice++) {
      for (const i of turnOrder(order.length, slice)) await cannon(ports[i]!, c, SLICE_S, expected, tallies[i]!)
    }
    const results = new Map<string, Record<Metric, number>>()
    for (let i = 0; i < order.length; i++) {
      const t = tallies[i]!
      wrong.set(order[i]!.id, (wrong.get(order[i]!.id) ?? 0) + t.wrong + t.errors)
      const { peak } = await servers[i]!.ask<{ type: string, peak: number }>({ type: 'peak' }, 'peak')
      results.set(order[i]!.id, { rps: t.right / t.seconds, p99: p99Of(t), rssMiB: peak / 2 ** 20 })
    }
    return results
  } finally {
    await Promise.all(servers.map(async (s) => await s.stop()))
  }
}

function rssTarget (row: Row): TargetResult {
  const v = value(row, 'bridge')
  return { text: 'bridge peak RSS ≤ 120 MB', met: Number.isFinite(v) ? v <= 120e6 / 2 ** 20 : null, detail: `bridge + status-server process ${v.toFixed(1)} MiB (120 MB = 114.4 MiB)` }
}

/** The rate, p99 and RSS rows of one concurrency. */
function rowsFor (c: number, samples: Map<Metric, Samples>, rounds: number, notes: string[], wrongNote: string, bridgeWrong: number): Row[] {
  const target = TARGETS[c]!
  const common = { contenders, rounds }
  const rps = buildRow({
    ...common,
    name: `http-bridge-c${c}-rps`,
    title: `${TITLE}, c=${c} — correct responses/s`,
    unit: 'req/s',
    better: 'higher',
    samples: samples.get('rps')!,
    notes,
    targets: [
      ...(target.rps === null ? [] : [ratioTarget(`bridge ≥ ${target.rps}× fastify at c=${c}`, 'bridge/fastify', '>=', target.rps)]),
      () => ({ text: `0 wrong bodies at c=${c}`, met: bridgeWrong === 0, detail: wrongNote })
    ]
  })
  const p99 = buildRow({
    ...common,
    name: `http-bridge-c${c}-p99`,
    title: `${TITLE}, c=${c} — p99 latency`,
    unit: 'ms',
    better: 'lower',
    samples: samples.get('p99')!,
    targets: [ratioTarget(`bridge p99 ≤ ${target.p99}× fastify at c=${c}`, 'bridge/fastify', '<=', target.p99)]
  })
  const rss = buildRow({
    ...common,
    name: `http-bridge-c${c}-rss`,
    title: `${TITLE}, c=${c} — server process peak RSS (bridge row: status-server + bridge in one process)`,
    unit: 'MiB',
    better: 'lower',
    samples: samples.get('rssMiB')!,
    targets: [rssTarget]
  })
  return [rps, p99, rss]
}

/** Every round at one concurrency, then its rows. */
async function atConcurrency (ctx: RunContext, c: number, rounds: number, seconds: number, expected: Map<number, Expected>): Promise<Row[]> {
  const wrong = new Map<string, number>()
  const lat = contenders.map(() => new Float64Array(MAX_SAMPLES))
  const { samples, errors } = await measureSharedRounds<Metric>(ctx, `http c=${c}`, contenders, rounds,
    async (order) => await measureRound(order, c, seconds, expected, wrong, lat))
  if ((samples.get('rps')?.size ?? 0) === 0) {
    return [unavailableRow(`http-bridge-c${c}`, `${TITLE}, c=${c}`, 'req/s', `every run failed: ${errors.join('; ')}`)]
  }
  const wrongNote = `wrong bodies or errors over all rounds, warm-up included: ${contenders.map((x) => `${x.id} ${wrong.get(x.id) ?? 0}`).join(', ')}`
  const notes = [
    `${seconds} s of load per server per round, in ${SLICE_S} s slices taking turns with the other server (ABBA), after 1 s of unmeasured warm-up; ` +
      'only responses whose body matched the status table count',
    'each server alone in its child process (bridge: status-server in the same process, so both have one event loop); autocannon in the parent',
    wrongNote,
    ...errors
  ]
  return rowsFor(c, samples, rounds, notes, wrongNote, wrong.get('bridge') ?? 0)
}

export const httpBridge: Benchmark = {
  name: 'http-bridge',
  title: TITLE,
  unavailable: async () => appMissing('http-bridge') ?? appMissing('status-server'),
  async run (ctx) {
    const expected = await expectedBodies()
    // Seven rounds of 6 s take about what three of 10 s did, and give a steadier median.
    const seconds = ctx.quick ? 3 : 6
    const rows: Row[] = []
    for (const c of [1, 10, 100]) rows.push(...await atConcurrency(ctx, c, ctx.rounds, seconds, expected))
    return rows
  }
}
