import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startJob } from '../harness/child.js'
import { measureSharedRounds, turnOrder } from '../harness/rounds.js'
import { buildRow, ratioTarget } from '../harness/rows.js'
import type { Benchmark, Contender } from '../harness/types.js'

const contenders: Contender[] = [
  { id: 'LineDecoder', role: 'ours', pkg: '@eventwire/protocol' },
  { id: 'split2', role: 'peer', pkg: 'split2' },
  { id: 'ndjson', role: 'peer', pkg: 'ndjson' },
  { id: 'readline', role: 'peer' },
  { id: 'plain-loop', role: 'limit' },
  { id: 'JSON.parse-only', role: 'limit' }
]

/** ~100-byte JSON lines, deterministic, with some non-ASCII text so UTF-8 decoding is real work. */
export function makeNdjson (bytes: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'café', 'naïve', 'omega', 'zeta', 'ünïcode', 'eta']
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const text = `${words[i % 10]} ${words[(i * 7) % 10]} ${words[(i * 3) % 10]}`
    let line = JSON.stringify({ seq: i, user: `user-${i % 997}`, ok: i % 3 === 0, text })
    // Pad to about 100 bytes so line count does not depend on the word mix.
    line = line.slice(0, -1) + `,"pad":"${'x'.repeat(Math.max(0, 99 - Buffer.byteLength(line) - 9))}"}`
    parts.push(line)
    size += Buffer.byteLength(line) + 1
  }
  return Buffer.from(parts.join('\n') + '\n')
}

export const ndjsonDecode: Benchmark = {
  name: 'ndjson-decode',
  title: 'NDJSON decode, ~100-byte lines in 64 KiB chunks, JSON.parse each',
  async run (ctx) {
    // 20 MB passes, 12 per round: short turns interleave finely, many of them average out a busy second.
    const mb = ctx.quick ? 10 : 20
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eventwire-bench-'))
    const file = path.join(dir, 'input.ndjson')
    try {
      const input = makeNdjson(mb * 1e6)
      writeFileSync(file, input)
      const counts = new Map<string, string>()
      const turns = ctx.quick ? 4 : 12
      const { samples, errors } = await measureSharedRounds<'mbps'>(ctx, 'ndjson', contenders, ctx.rounds, async (order) => {
        const jobs = order.map((c) => startJob('ndjson-decode', { file, contender: c.id, chunkBytes: 64 * 1024 }, { timeoutMs: 300_000 }))
        try {
          await Promise.all(jobs.map(async (j) => await j.next('ready', 60_000)))
          for (let turn = 0; turn < turns; turn++) {
            for (const i of turnOrder(jobs.length, turn)) await jobs[i]!.ask({ type: 'turn' }, 'turned', 120_000)
          }
          const results = new Map<string, { mbps: number }>()
          for (let i = 0; i < jobs.length; i++) {
            const r = await jobs[i]!.ask<{ type: string, values: number, seqSum: number, ms: number, bytes: number }>({ type: 'report' }, 'result', 10_000)
            // Count and seq sum together: the same objects reached the consumer, not just as many.
            counts.set(order[i]!.id, `${r.values} values, seq sum ${r.seqSum}`)
            results.set(order[i]!.id, { mbps: r.bytes / 1e6 / (r.ms / 1000) })
          }
          return results
        } finally {
          await Promise.all(jobs.map(async (j) => await j.stop()))
        }
      })
      const distinct = new Set(counts.values())
      const notes = [`input ${(input.length / 1e6).toFixed(1)} MB, ${[...counts.values()][0] ?? 'no'}; MB = 10^6 bytes; each contender in its own process, warmed on 4 MB, then ${turns} timed passes over the whole input per round, the contenders taking turns (A B…, …B A) so a busy stretch of the shared machine lands on all alike`]
      notes.push('every stream contender (LineDecoder, split2, ndjson, plain-loop) is a Transform piped from the same chunks to the same \'data\' consumer; plain-loop is the plainest such Transform (StringDecoder, indexOf, JSON.parse, push), with no line limit and no error handling')
      notes.push('JSON.parse-only is the ceiling for any decoder on this input: the lines are split before the clock starts and only JSON.parse is timed, with no stream')
      if (distinct.size > 1) notes.push(`VALUES DIFFER: ${[...counts].map(([k, v]) => `${k}: ${v}`).join('; ')}`)
      else notes.push('every contender handed its consumer the same values (count and seq sum)')
      notes.push(...errors)
      return [buildRow({
        name: 'ndjson-decode',
        title: this.title,
        unit: 'MB/s',
        better: 'higher',
        contenders,
        samples: samples.get('mbps') ?? new Map(),
        rounds: ctx.rounds,
        notes,
        targets: [ratioTarget('LineDecoder ≥ 1.0× plain loop (limits and checks for free)', 'LineDecoder/plain-loop', '>=', 1)]
      })]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
