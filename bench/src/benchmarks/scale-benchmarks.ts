import { appMissing } from '../harness/apps.js'
import { openFilesFor } from '../harness/open-files.js'
import { buildRow, unavailableRow, valueTarget } from '../harness/rows.js'
import type { Benchmark, Contender, Row, RunContext, TargetResult } from '../harness/types.js'
import { scaleRound, type ScaleResult, type ScaleSpec } from './chat-scale.js'

interface ScaleBenchmark {
  name: string
  title: string
  contender: Contender
  spec: ScaleSpec
  rssTargetMiB: number
  rssTargetText: string
  broadcastTargetMs: number
}

const fixed = (xs: number[], digits: number): string => xs.map((x) => x.toFixed(digits)).join(', ')

/**
 * The spec this machine can run: all the members when jobs may get the
 * descriptors they need, else as many as one process's open-files limit holds
 * (with more client processes), said in `shortfall`.
 */
function runnableSpec (spec: ScaleSpec): { spec: ScaleSpec, shortfall: string | null } {
  const files = openFilesFor(spec.members + 4096)
  if (files.shortfall === null) return { spec, shortfall: null }
  const members = Math.min(spec.members, Math.floor((files.limit - 2048) / 1000) * 1000)
  const procs = Math.max(spec.procs, Math.ceil(members / (files.limit - 2048)))
  return { spec: { ...spec, members, procs, openFilesCap: files.limit }, shortfall: `${files.shortfall}: measured with ${members.toLocaleString('en')} members, not ${spec.members.toLocaleString('en')}` }
}

async function runRounds (b: ScaleBenchmark, spec: ScaleSpec, ctx: RunContext): Promise<{ results: Array<ScaleResult | null>, errors: string[] }> {
  const rounds = ctx.quick ? 1 : 2
  const results: Array<ScaleResult | null> = []
  const errors: string[] = []
  for (let r = 0; r < rounds; r++) {
    try {
      const x = await scaleRound(spec, ctx.log)
      results.push(x)
      ctx.log(`  ${b.name} round ${r + 1}: rss=${x.rssMiB.toFixed(1)} MiB (${x.perMemberKiB.toFixed(2)} KiB/member) reached=${x.reached} in ${x.broadcastMs} ms, ${x.linesPerMember.toFixed(1)} lines/member while connecting`)
    } catch (err) {
      errors.push(`round ${r + 1} failed: ${(err as Error).message.split('\n')[0]}`)
      ctx.log(`  ${b.name} ${errors.at(-1)}`)
      results.push(null)
    }
  }
  return { results, errors }
}

/** The rows of a scale benchmark: RSS (with reach and presence-traffic targets) and broadcast time. */
function rowsOf (b: ScaleBenchmark, spec: ScaleSpec, shortfall: string | null, results: Array<ScaleResult | null>, errors: string[]): Row[] {
  const pick = (f: (x: ScaleResult) => number): number[] => results.map((x) => x === null ? NaN : f(x))
  const { members } = spec
  // Met or missed only at the size the target names; a smaller run is a figure, not a verdict.
  const atSize = (t: (row: Row) => TargetResult) => (row: Row): TargetResult => {
    const r = t(row)
    return shortfall === null ? r : { ...r, met: null, detail: `not measurable here at ${b.spec.members.toLocaleString('en')} (${members.toLocaleString('en')} members): ${r.detail}` }
  }
  const reached = pick((x) => x.reached)
  const reachedAll = (): TargetResult => ({ text: `broadcast reaches all ${members.toLocaleString('en')}`, met: reached.every((x) => x === members), detail: `reached ${reached.map(String).join(', ')} of ${members} per round` })
  // One digest a second while the members connect, plus the welcome: bounded by the connect time, not by N.
  const presence = (): TargetResult => {
    const budget = results.map((x) => x === null ? NaN : x.connectS + 30)
    const lines = pick((x) => x.linesPerMember)
    return { text: 'join/leave traffic not N²: a member receives ≤ (connect seconds + 30) lines while everyone joins', met: lines.every((x, i) => x <= budget[i]!), detail: `${fixed(lines, 1)} lines per member (budget ${fixed(budget, 0)}); one per join would be ${members.toLocaleString('en')}` }
  }
  const common = { contenders: [b.contender], rounds: results.length }
  const notes = [
    `chat-server with its defaults (announcements on); ${members.toLocaleString('en')} ${spec.proto === 'ws-json' ? 'WebSocket' : 'TCP'} members over ${spec.procs} client processes, each from its own source address (127.0.0.2…), at most ${spec.batch} handshakes in flight per process; every job's open-files limit set with prlimit`,
    ...(shortfall === null ? [] : [shortfall]),
    `connect time ${fixed(pick((x) => x.connectS), 1)} s; server CPU while connecting ${fixed(pick((x) => x.connectCpuS), 1)} s; per member ${fixed(pick((x) => x.perMemberKiB), 2)} KiB (RSS after GC less RSS before the first client); peak RSS ${fixed(pick((x) => x.peakMiB), 0)} MiB`,
    `broadcast: server CPU ${fixed(pick((x) => x.broadcastCpuMs), 0)} ms`,
    ...errors
  ]
  return [
    buildRow({
      ...common,
      name: `${b.name}-rss`,
      title: `${b.title} — server RSS after GC with all connected`,
      unit: 'MiB',
      better: 'lower',
      samples: new Map([[b.contender.id, pick((x) => x.rssMiB)]]),
      notes,
      targets: [atSize(valueTarget(b.rssTargetText, b.contender.id, '<=', b.rssTargetMiB, 'MiB')), reachedAll, presence]
    }),
    buildRow({
      ...common,
      name: `${b.name}-broadcast`,
      title: `${b.title} — time for one message to reach the last member`,
      unit: 'ms',
      better: 'lower',
      samples: new Map([[b.contender.id, pick((x) => x.broadcastMs)]]),
      notes: [],
      targets: [atSize(valueTarget(`one broadcast reaches all in ≤ ${b.broadcastTargetMs} ms`, b.contender.id, '<=', b.broadcastTargetMs, 'ms'))]
    })
  ]
}

function scaleBenchmark (b: ScaleBenchmark): Benchmark {
  return {
    name: b.name,
    title: b.title,
    unavailable: async () => appMissing('chat-server'),
    async run (ctx) {
      const { spec, shortfall } = runnableSpec(b.spec)
      if (shortfall !== null) ctx.log(`  ${b.name}: ${shortfall}`)
      const { results, errors } = await runRounds(b, spec, ctx)
      if (results.every((x) => x === null)) return [unavailableRow(`${b.name}-rss`, b.title, 'MiB', errors.join('; '))]
      return rowsOf(b, spec, shortfall, results, errors)
    }
  }
}

export const chat100k = scaleBenchmark({
  name: 'chat-100k',
  title: '100,000 concurrent TCP chat members in one server process',
  contender: { id: 'chat-tcp', role: 'ours', pkg: '@eventwire/chat-server' },
  spec: { members: 100_000, proto: 'tcp-lines', procs: 5, batch: 100, timeoutMs: 600_000 },
  rssTargetMiB: 1024,
  rssTargetText: 'RSS ≤ 1 GiB',
  broadcastTargetMs: 2000
})

export const chatWs10k = scaleBenchmark({
  name: 'chat-ws-10k',
  title: '10,000 concurrent WebSocket chat members in one server process',
  contender: { id: 'chat-ws', role: 'ours', pkg: '@eventwire/chat-server' },
  spec: { members: 10_000, proto: 'ws-json', procs: 2, batch: 100, timeoutMs: 300_000 },
  rssTargetMiB: 250,
  rssTargetText: 'RSS ≤ 250 MiB',
  broadcastTargetMs: 1000
})
