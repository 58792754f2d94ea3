import type { Metric } from 'prom-client'
import type { AppMetrics } from './app-metrics.js'

/** Seconds: half a millisecond (a lookup over loopback) to 10 s (past any timeout we set). */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])

/** One series of a LatencyHistogram: observe() is an array increment and two additions, nothing allocated. */
export class HistogramSeries {
  readonly #bounds: readonly number[]
  /** Per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor (bounds: readonly number[]) {
    this.#bounds = bounds
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe (seconds: number): void {
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && seconds > (bounds[i] as number)) i++
    this.counts[i] = (this.counts[i] as number) + 1
    this.sum += seconds
    this.count++
  }
}

export interface LatencyHistogramOptions {
  name: string
  help: string
  /** Upper bounds in seconds, ascending. Default DEFAULT_LATENCY_BUCKETS. */
  buckets?: readonly number[]
  /** One label and every value it takes, fixed up front (e.g. `{ name: 'result', values: ['ok', 'error'] }`). */
  label?: { name: string, values: readonly string[] }
}

/**
 * A Prometheus histogram for hot paths. prom-client's Histogram hashes a label
 * object on every observe(); this one hands out a series per label value once
 * (series()), whose observe() allocates nothing, and renders the usual
 * `_bucket{le}`, `_sum` and `_count` samples at scrape time.
 */
export class LatencyHistogram {
  readonly name: string
  readonly help: string
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #bounds: readonly number[]
  readonly #label: string | null
  readonly #series = new Map<string, HistogramSeries>()

  constructor (metrics: AppMetrics, options: LatencyHistogramOptions) {
    this.name = options.name
    this.help = options.help
    this.#bounds = [...(options.buckets ?? DEFAULT_LATENCY_BUCKETS)]
    for (let i = 1; i < this.#bounds.length; i++) {
      if ((this.#bounds[i] as number) <= (this.#bounds[i - 1] as number)) throw new RangeError(`${options.name}: buckets must ascend`)
    }
    this.#label = options.label?.name ?? null
    for (const value of options.label?.values ?? ['']) this.#series.set(value, new HistogramSeries(this.#bounds))
    // The registry renders anything with name, help, type and get(); prom-client's types only know its classes.
    metrics.registry.registerMetric(this as unknown as Metric)
  }

  /** The series for one label value (one of those given up front); keep it, and observe() on it. */
  series (value = ''): HistogramSeries {
    const series = this.#series.get(value)
    if (series === undefined) throw new RangeError(`${this.name}: no series ${JSON.stringify(value)}`)
    return series
  }

  /** For the registry: the samples now. */
  get (): { name: string, help: string, type: string, aggregator: string, values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> } {
    const values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> = []
    for (const [labelValue, series] of this.#series) {
      const base: Record<string, string> = this.#label === null ? {} : { [this.#label]: labelValue }
      let cumulative = 0
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += series.counts[i] as number
        const le = i === this.#bounds.length ? '+Inf' : (this.#bounds[i] as number)
        values.push({ labels: { le, ...base }, value: cumulative, metricName: `${this.name}_bucket` })
      }
      values.push({ labels: base, value: series.sum, metricName: `${this.name}_sum` })
      values.push({ labels: base, value: series.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** For the registry's resetMetrics(). */
  reset (): void {
    for (const series of this.#series.values()) {
      series.counts.fill(0)
      series.sum = 0
      series.count = 0
    }
  }
}
