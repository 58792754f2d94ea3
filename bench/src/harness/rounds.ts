import { roundOrder } from './stats.js'
import type { Contender, RunContext } from './types.js'
import type { Samples } from './rows.js'

/**
 * Runs `measure` once per contender per round, in alternating order, and
 * collects every metric it returns into per-metric sample maps. A failed run is
 * logged and recorded as NaN: it never becomes a number.
 */
export async function measureRounds<M extends string> (
  ctx: RunContext,
  label: string,
  contenders: readonly Contender[],
  rounds: number,
  measure: (c: Contender, round: number) => Promise<Record<M, number>>
): Promise<{ samples: Map<M, Samples>, errors: string[] }> {
  const samples = new Map<M, Samples>()
  const errors: string[] = []
  const put = (metric: M, id: string, round: number, v: number): void => {
    let s = samples.get(metric)
    if (!s) { s = new Map(); samples.set(metric, s) }
    let xs = s.get(id)
    if (!xs) { xs = new Array<number>(rounds).fill(NaN); s.set(id, xs) }
    xs[round] = v
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of roundOrder(contenders, r)) {
      try {
        const m = await measure(c, r)
        for (const [k, v] of Object.entries(m) as Array<[M, number]>) put(k, c.id, r, v)
        ctx.log(`  ${label} round ${r + 1}/${rounds} ${c.id}: ${Object.entries(m).map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v * 100) / 100 : String(v)}`).join(' ')}`)
      } catch (err) {
        const msg = `${label} round ${r + 1} ${c.id} failed: ${(err as Error).message.split('\n')[0]}`
        errors.push(msg)
        ctx.log(`  ${msg}`)
      }
    }
  }
  return { samples, errors }
}

/**
 * measureRounds for benchmarks that measure a whole round at once: every
 * contender up together, taking turns (see turnOrder). `measureRound` gets the
 * round's order and returns each contender's metrics; a contender it has no
 * result for is recorded as a failure, as is every contender of a round that threw.
 */
export async function measureSharedRounds<M extends string> (
  ctx: RunContext,
  label: string,
  contenders: readonly Contender[],
  rounds: number,
  measureRound: (order: Contender[], round: number) => Promise<Map<string, Record<M, number>>>
): Promise<{ samples: Map<M, Samples>, errors: string[] }> {
  // measureRounds asks for one contender at a time; the first ask of a round measures them all.
  let session: { round: number, results: Promise<Map<string, Record<M, number>>> } | null = null
  return await measureRounds<M>(ctx, label, contenders, rounds, async (c, round) => {
    if (session?.round !== round) session = { round, results: measureRound(roundOrder(contenders, round), round) }
    const r = (await session.results).get(c.id)
    if (r === undefined) throw new Error(`no result for ${c.id}`)
    return r
  })
}

/**
 * Who goes in turn `turn` of a round of `n` contenders, as indices into the
 * round's order: 0…n-1, reversed every other turn (A B, B A, A B…), so that
 * each one runs as often right before and right after each other one, and
 * whatever else a shared machine does in those seconds lands on all alike.
 */
export function turnOrder (n: number, turn: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  return turn % 2 === 1 ? order.reverse() : order
}
