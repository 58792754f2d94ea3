import { max, median, min } from './stats.js'
import type { Contender, ContenderResult, RatioResult, Row, TargetResult } from './types.js'
import { versionOf } from './env.js'

/** Samples collected per contender, one per round (NaN for a failed round). */
export type Samples = Map<string, number[]>

export interface RowSpec {
  name: string
  title: string
  unit: string
  better: 'higher' | 'lower'
  contenders: Contender[]
  samples: Samples
  rounds: number
  notes?: string[]
  /** Targets judged on the finished row. */
  targets?: Array<(row: Row) => TargetResult>
}

/** Builds a row: medians and ranges per contender, per-round ratios ours/peer for every pair. */
export function buildRow (spec: RowSpec): Row {
  const contenders: ContenderResult[] = spec.contenders.map((c) => {
    const xs = spec.samples.get(c.id) ?? []
    const ok = xs.filter((x) => Number.isFinite(x))
    return { ...c, version: c.pkg ? versionOf(c.pkg) : undefined, median: median(ok), min: min(ok), max: max(ok), samples: xs }
  })
  const ratios: RatioResult[] = []
  for (const o of spec.contenders.filter((c) => c.role === 'ours')) {
    for (const p of spec.contenders.filter((c) => c.role !== 'ours')) {
      const a = spec.samples.get(o.id) ?? []
      const b = spec.samples.get(p.id) ?? []
      const per = a.map((x, i) => x / (b[i] ?? NaN))
      const ok = per.filter((x) => Number.isFinite(x))
      ratios.push({ pair: `${o.id}/${p.id}`, median: median(ok), min: min(ok), max: max(ok), perRound: per })
    }
  }
  const row: Row = {
    name: spec.name,
    title: spec.title,
    unit: spec.unit,
    better: spec.better,
    available: true,
    rounds: spec.rounds,
    contenders,
    ratios,
    targets: [],
    notes: spec.notes ?? []
  }
  row.targets = (spec.targets ?? []).map((t) => t(row))
  return row
}

export function unavailableRow (name: string, title: string, unit: string, reason: string): Row {
  return { name, title, unit, better: 'higher', available: false, reason, rounds: 0, contenders: [], ratios: [], targets: [], notes: [] }
}

export function ratio (row: Row, pair: string): number {
  return row.ratios.find((r) => r.pair === pair)?.median ?? NaN
}

export function value (row: Row, id: string): number {
  return row.contenders.find((c) => c.id === id)?.median ?? NaN
}

/** Target "ours/peer ratio ≥ k" (or ≤ k for lower-is-better) on the median per-round ratio. */
export function ratioTarget (text: string, pair: string, op: '>=' | '<=', k: number): (row: Row) => TargetResult {
  return (row) => {
    const r = ratio(row, pair)
    const met = Number.isFinite(r) ? (op === '>=' ? r >= k : r <= k) : null
    return { text, met, detail: `${pair} = ${fmt(r)}× (median of per-round ratios)` }
  }
}

/** Target on an absolute median value. */
export function valueTarget (text: string, id: string, op: '>=' | '<=', k: number, unit: string): (row: Row) => TargetResult {
  return (row) => {
    const v = value(row, id)
    const met = Number.isFinite(v) ? (op === '>=' ? v >= k : v <= k) : null
    return { text, met, detail: `${id} = ${fmt(v)} ${unit}` }
  }
}

export function fmt (x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en-US')
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  return x.toFixed(2)
}
