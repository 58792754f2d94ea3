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
