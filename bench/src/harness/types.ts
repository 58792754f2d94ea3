/** What a benchmark returns: one or more rows, each comparing contenders on one metric. */

export type Role = 'ours' | 'peer' | 'limit'

export interface Contender {
  /** Short id used in tables and ratio keys. */
  id: string
  role: Role
  /** npm package measured (for versions), or a workspace package for ours. */
  pkg?: string
}

export interface ContenderResult extends Contender {
  version?: string
  median: number
  min: number
  max: number
  /** One value per round, in round order (NaN where a round failed). */
  samples: number[]
}

export interface RatioResult {
  /** `ours/peer`, e.g. `LineDecoder/split2`. */
  pair: string
  /** Median of the per-round ratios (each ratio from the same round). */
  median: number
  min: number
  max: number
  perRound: number[]
}

export interface TargetResult {
  text: string
  met: boolean | null
  detail: string
}

export interface Row {
  name: string
  title: string
  unit: string
  better: 'higher' | 'lower'
  available: boolean
  reason?: string
  rounds: number
  contenders: ContenderResult[]
  ratios: RatioResult[]
  targets: TargetResult[]
  notes: string[]
}

export interface RunContext {
  quick: boolean
  rounds: number
  log: (line: string) => void
}

export interface Benchmark {
  name: string
  title: string
  /** Null when it can run; otherwise why not (an app not built yet, ...). */
  unavailable?: () => Promise<string | null>
  run: (ctx: RunContext) => Promise<Row[]>
}
