import { createRequire } from 'node:module'
import path from 'node:path'
import { BENCH_ROOT, startJob } from '../harness/child.js'
import { appMissing } from '../harness/apps.js'
import { measureRounds } from '../harness/rounds.js'
import { buildRow, ratioTarget, unavailableRow, value } from '../harness/rows.js'
import type { Benchmark, Contender, Row } from '../harness/types.js'

const require = createRequire(path.join(BENCH_ROOT, 'package.json'))
const CODES = [200, 201, 204, 301, 302, 400, 401, 403, 404, 418, 500, 502, 503]

const contenders: Contender[] = [
  { id: 'bridge', role: 'ours', pkg: '@eventwire/http-bridge' },
  { id: 'fastify', role: 'peer', pkg: 'fastify' }
]

interface Expected { body: string, code: number, data: string }

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

async function cannon (port: number, connections: number, seconds: number, expected: Map<number, Expected>): Promise<{ rps: number, p99: number, wrong: number, errors: number }> {
  type Result = { duration: number, errors: number, timeouts: number }
  type Tracker = { on: (ev: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void) => void }
  const autocannon = require('autocannon') as (opts: unknown, cb: (err: Error | null, r: Result) => void) => Tracker
  let right = 0
  let wrong = 0
  const requests = CODES.map((code) => ({
    method: 'GET',
    path: `/status/${code}`,
    onResponse: (status: number, body: string) => {
      if (isRight(expected.get(code)!, status, body)) right++
      else wrong++
    }
  }))
  // autocannon's own histogram is in whole milliseconds (0 at c=1 on loopback); keep the exact times instead, bounded.
  const lat = new Float64Array(4_000_000)
  let nLat = 0
  const r = await new Promise<Result>((resolve, reject) => {
    const tracker = autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests }, (err, res) => err ? reject(err) : resolve(res))
    tracker.on('response', (_c, _s, _b, ms) => { if (nLat < lat.length) lat[nLat++] = ms })
  })
  const sorted = lat.subarray(0, nLat).sort()
  return { rps: right / r.duration, p99: nLat === 0 ? NaN : sorted[Math.max(0, Math.ceil(nLat * 0.99) - 1)]!, wrong, errors: r.errors + r.timeouts }
}

export const httpBridge: Benchmark = {
  name: 'http-bridge',
  title: 'HTTP bridge: autocannon GET /status/<code> over 13 mixed codes, every body checked',
  unavailable: async () => appMissing('http-bridge') ?? appMissing('status-server'),
  async run (ctx) {
    const { describeStatus } = await import('@eventwire/status-server')
    const expected = new Map<number, Expected>()
    for (const code of CODES) {
      const data = describeStatus(code)
      if (data === undefined) throw new Error(`status-server does not know ${code}`)
      expected.set(code, { code, data, body: JSON.stringify({ code, data }) })
    }
    const seconds = ctx.quick ? 3 : 10
    // 10 s per run adds up: three rounds are enough for a full run of this one.
    const rounds = Math.min(ctx.rounds, 3)
    const rows: Row[] = []
    for (const c of [1, 10, 100]) {
      const wrong = new Map<string, number>()
      const { samples, errors } = await measureRounds(ctx, `http c=${c}`, contenders, rounds, async (k) => {
        const server = startJob('http-servers', { kind: k.id, codes: CODES }, { timeoutMs: seconds * 1000 + 60_000 })
        try {
          const { port } = await server.next<{ type: string, port: number }>('ready', 30_000)
          const r = await cannon(port, c, seconds, expected)
          wrong.set(k.id, (wrong.get(k.id) ?? 0) + r.wrong + r.errors)
          const { peak } = await server.ask<{ type: string, peak: number }>({ type: 'peak' }, 'peak')
          return { rps: r.rps, p99: r.p99, rssMiB: peak / 2 ** 20 }
        } finally {
          await server.stop()
        }
      })
      if ((samples.get('rps')?.size ?? 0) === 0) {
        rows.push(unavailableRow(`http-bridge-c${c}`, `${this.title}, c=${c}`, 'req/s', `every run failed: ${errors.join('; ')}`))
        continue
      }
      const wrongNote = `wrong bodies or errors over all rounds: ${contenders.map((x) => `${x.id} ${wrong.get(x.id) ?? 0}`).join(', ')}`
      const rps = buildRow({
        name: `http-bridge-c${c}-rps`,
        title: `${this.title}, c=${c} — correct responses/s`,
        unit: 'req/s',
        better: 'higher',
        contenders,
        samples: samples.get('rps')!,
        rounds,
        notes: [`${seconds} s per run; only responses whose body matched the status table count; servers in a child process, autocannon in the parent`, wrongNote, ...errors],
        targets: [
          ...(c === 1 || c === 100 ? [ratioTarget(`bridge ≥ 0.5× fastify at c=${c}`, 'bridge/fastify', '>=', 0.5)] : []),
          () => ({ text: `0 wrong bodies at c=${c}`, met: (wrong.get('bridge') ?? 0) === 0, detail: wrongNote })
        ]
      })
      const p99 = buildRow({
        name: `http-bridge-c${c}-p99`,
        title: `${this.title}, c=${c} — p99 latency`,
        unit: 'ms',
        better: 'lower',
        contenders,
        samples: samples.get('p99')!,
        rounds,
        targets: [ratioTarget(`bridge p99 ≤ 3× fastify at c=${c}`, 'bridge/fastify', '<=', 3)]
      })
      const rss = buildRow({
        name: `http-bridge-c${c}-rss`,
        title: `${this.title}, c=${c} — server process peak RSS (bridge row: status-server + bridge in one process)`,
        unit: 'MiB',
        better: 'lower',
        contenders,
        samples: samples.get('rssMiB')!,
        rounds,
        targets: [(row) => {
          const v = value(row, 'bridge')
          return { text: 'bridge peak RSS ≤ 120 MB', met: Number.isFinite(v) ? v <= 120e6 / 2 ** 20 : null, detail: `bridge + status-server process ${v.toFixed(1)} MiB (120 MB = 114.4 MiB)` }
        }]
      })
      rows.push(rps, p99, rss)
    }
    return rows
  }
}
