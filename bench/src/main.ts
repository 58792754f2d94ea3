import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from './harness/args.js'
import { BENCH_ROOT, jobRuntime, killAllJobs } from './harness/child.js'
import { machine, versionOf } from './harness/env.js'
import { formatRow } from './harness/report.js'
import { unavailableRow } from './harness/rows.js'
import type { Row, RunContext } from './harness/types.js'
import { benchmarks } from './benchmarks/index.js'
import { renderMarkdown } from './render.js'

const PEERS = ['@eventwire/protocol', 'split2', 'ndjson', 'duplex-emitter', 'socket.io', 'socket.io-client', 'ws', 'fastify', 'autocannon']

async function run (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.list) {
    for (const b of benchmarks) console.log(`${b.name.padEnd(20)} ${b.title}`)
    return
  }
  const unknown = args.only.filter((n) => !benchmarks.some((b) => b.name === n))
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`)
  const selected = args.only.length > 0 ? benchmarks.filter((b) => args.only.includes(b.name)) : benchmarks
  const ctx: RunContext = {
    quick: args.quick,
    // Seven full rounds: single rounds on this 2-core machine vary by up to 2x, and the median of
    // per-round ratios needs enough of them to stop flipping near a target.
    rounds: args.rounds ?? (args.quick ? 2 : 7),
    log: (line) => console.log(line)
  }
  const started = Date.now()
  const rows: Row[] = []
  for (const b of selected) {
    const t0 = Date.now()
    console.log(`\n>> ${b.name} (${ctx.quick ? 'quick' : 'full'}, ${ctx.rounds} rounds)`)
    const reason = b.unavailable ? await b.unavailable() : null
    let got: Row[]
    if (reason !== null) {
      got = [unavailableRow(b.name, b.title, '-', reason)]
    } else {
      try {
        got = await b.run(ctx)
      } catch (err) {
        got = [unavailableRow(b.name, b.title, '-', `failed: ${(err as Error).message.split('\n')[0]}`)]
      }
    }
    for (const r of got) console.log(formatRow(r))
    console.log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    rows.push(...got)
  }
  const result = {
    generatedAt: new Date().toISOString(),
    mode: ctx.quick ? 'quick' : 'full',
    only: args.only,
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    jobs: jobRuntime(),
    versions: Object.fromEntries([['node', process.version], ...PEERS.map((p) => [p, versionOf(p) ?? 'unknown'])]),
    benchmarks: rows
  }
  // Only a full run of everything replaces latest.json and BENCHMARKS.md; partial runs go beside it.
  const full = !ctx.quick && args.only.length === 0 && args.rounds === null
  const dir = path.join(BENCH_ROOT, 'results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, full ? 'latest.json' : 'partial.json')
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
  console.log(`\nwrote ${path.relative(process.cwd(), file)} (${result.durationS} s total)`)
  if (full) {
    writeFileSync(path.join(BENCH_ROOT, 'BENCHMARKS.md'), renderMarkdown(result))
    console.log('wrote BENCHMARKS.md')
  }
}

process.on('SIGINT', () => { killAllJobs(); process.exit(130) })
process.on('exit', killAllJobs)
run().then(() => process.exit(0), (err: Error) => {
  console.error(err.message)
  process.exit(1)
})
