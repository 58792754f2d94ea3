import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { Health } from '../health.js'
import type { MetricsSource } from '../ops-server.js'

/** Label values of one sample, e.g. `{ transport: 'tcp', reason: 'max_connections' }`. */
export type LabelValues = Record<string, string>

/** What a metric reads at scrape time: one number (no labels), or one number per label set. */
export type Samples = number | Iterable<readonly [LabelValues, number]>

export interface ScrapedMetricSpec {
  /** Prometheus name, e.g. `eventwire_connections_open`; counters end in `_total`. */
  name: string
  help: string
  labelNames?: readonly string[]
  /** Called once per scrape: the hot paths only bump plain numbers, prom-client sees them here. */
  read: () => Samples
}

let processRegistry: Registry | null = null

/**
 * The process's default metrics (CPU, memory, event loop lag, GC, handles),
 * collected once per process into a registry of their own (never prom-client's
 * global one). collectDefaultMetrics starts a GC observer and an event-loop
 * monitor that it never stops, so calling it per app instance would leak one
 * of each for every server a test builds; and they describe the process, which
 * every instance in it shares.
 */
export function processMetricsRegistry (): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export interface AppMetricsOptions {
  /** Append the process's default metrics to every scrape. Default true. */
  processMetrics?: boolean
}

/**
 * The metrics of one app instance: a Registry of its own (so a test process
 * can build several servers), metrics whose values are read at scrape time,
 * and `text()` for `GET /metrics` (this registry, then the process's metrics).
 */
export class AppMetrics implements MetricsSource {
  readonly registry = new Registry()
  readonly #process: Registry | null

  constructor (options: AppMetricsOptions = {}) {
    this.#process = options.processMetrics === false ? null : processMetricsRegistry()
  }

  get contentType (): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition of this instance's metrics and the process's. */
  async text (): Promise<string> {
    const own = await this.registry.metrics()
    if (this.#process === null) return own
    return `${own}\n${await this.#process.metrics()}`
  }

  /** A counter whose value `read()` gives at scrape time (it must never go down). */
  counter (spec: ScrapedMetricSpec): void {
    // Registered with the registry on construction; prom-client calls collect() on every scrape.
    new Counter({ ...this.#base(spec), collect () { refill(this, spec.read(), (labels, value) => { if (labels === null) this.inc(value); else this.inc(labels, value) }) } })
  }

  /** A gauge whose value `read()` gives at scrape time. */
  gauge (spec: ScrapedMetricSpec): void {
    new Gauge({ ...this.#base(spec), collect () { refill(this, spec.read(), (labels, value) => { if (labels === null) this.set(value); else this.set(labels, value) }) } })
  }

  #base (spec: ScrapedMetricSpec): { name: string, help: string, labelNames: string[], registers: Registry[] } {
    return { name: spec.name, help: spec.help, labelNames: [...(spec.labelNames ?? [])], registers: [this.registry] }
  }

  /** `eventwire_ready`: 1 while GET /readyz answers 200, else 0. */
  readiness (health: Health): void {
    this.gauge({ name: 'eventwire_ready', help: '1 while GET /readyz answers 200 (listening, its links up), else 0', read: () => health.ready ? 1 : 0 })
  }
}

/** A scraped metric's samples replace the last scrape's. */
function refill (metric: { reset: () => void }, samples: Samples, each: (labels: LabelValues | null, value: number) => void): void {
  metric.reset()
  forEachSample(samples, each)
}

function forEachSample (samples: Samples, each: (labels: LabelValues | null, value: number) => void): void {
  if (typeof samples === 'number') {
    each(null, samples)
    return
  }
  for (const [labels, value] of samples) each(labels, value)
}
