/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests
 * and checks: it throws (with the line number) on anything a Prometheus server
 * would reject or misread, where a lenient regex would pass it. prom-client
 * writes the format but ships no reader.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  type: MetricType
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
/** The suffixes a sample may add to its family's name, by type. */
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count']
}

export class PrometheusFormatError extends Error {
  override readonly name = 'PrometheusFormatError'
  readonly code = 'ERR_PROMETHEUS_FORMAT'
}

/** Parsed exposition: every family by name, and look-ups for tests. */
export class PrometheusText {
  readonly families = new Map<string, MetricFamily>()

  /** The value of the one sample called `name` whose labels include `labels`; undefined if none. Throws if several match. */
  value (name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}; name every label`)
    return found[0]?.value
  }

  /** Every sample called `name` (a family's own name, or `x_bucket`, `x_sum`, `x_count`). */
  samples (name: string): Sample[] {
    const out: Sample[] = []
    for (const family of this.families.values()) for (const s of family.samples) if (s.name === name) out.push(s)
    return out
  }
}

/** Parses `text`; throws PrometheusFormatError naming the line for anything out of the format. */
export function parsePrometheusText (text: string): PrometheusText {
  if (text.length > 0 && !text.endsWith('\n')) throw new PrometheusFormatError('the exposition must end with a line feed')
  const parsed = new PrometheusText()
  const help = new Map<string, string>()
  const closed = new Set<string>()
  let current: MetricFamily | null = null
  const lines = text.split('\n')
  lines.pop()
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`
    if (line.trim() === '') return
    if (line.startsWith('#')) {
      current = comment(line, where, parsed, help, closed, current)
      return
    }
    const sample = parseSample(line, where)
    const family = familyOf(sample.name, parsed, where)
    if (family !== current) {
      if (closed.has(family.name)) throw new PrometheusFormatError(`${where}: samples of ${family.name} must be contiguous`)
      if (current !== null) closed.add(current.name)
      current = family
    }
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`
    if (family.samples.some((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}` === key)) throw new PrometheusFormatError(`${where}: duplicate sample ${line}`)
    if (family.type === 'counter' && !(sample.value >= 0)) throw new PrometheusFormatError(`${where}: a counter must be >= 0, got ${sample.value}`)
    family.samples.push(sample)
  })
  for (const family of parsed.families.values()) {
    family.help = help.get(family.name) ?? ''
    if (family.type === 'histogram') checkHistogram(family)
  }
  return parsed
}

function comment (line: string, where: string, parsed: PrometheusText, help: Map<string, string>, closed: Set<string>, current: MetricFamily | null): MetricFamily | null {
  const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
  if (match === null) return current // any other comment
  const [, kind, name = '', rest = ''] = match
  if (!NAME.test(name)) throw new PrometheusFormatError(`${where}: bad metric name ${JSON.stringify(name)}`)
  if (kind === 'HELP') {
    if (help.has(name)) throw new PrometheusFormatError(`${where}: a second HELP for ${name}`)
    help.set(name, unescape(rest, false, where))
    return current
  }
  if (!TYPES.has(rest)) throw new PrometheusFormatError(`${where}: unknown type ${JSON.stringify(rest)} for ${name}`)
  if (parsed.families.has(name)) throw new PrometheusFormatError(`${where}: TYPE of ${name} given twice, or after its samples`)
  const family: MetricFamily = { name, type: rest as MetricType, help: '', samples: [] }
  parsed.families.set(name, family)
  if (current !== null) closed.add(current.name)
  return family
}

/** The family a sample belongs to: its own name, or its name less a suffix its type allows. An undeclared name is untyped. */
function familyOf (sampleName: string, parsed: PrometheusText, where: string): MetricFamily {
  for (const family of parsed.families.values()) {
    for (const suffix of SUFFIXES[family.type]) if (sampleName === family.name + suffix) return family
  }
  if (parsed.families.has(sampleName)) throw new PrometheusFormatError(`${where}: ${sampleName} does not fit its family's type`)
  const family: MetricFamily = { name: sampleName, type: 'untyped', help: '', samples: [] }
  parsed.families.set(sampleName, family)
  return family
}

function parseSample (line: string, where: string): Sample {
  const nameEnd = line.search(/[{ ]/)
  if (nameEnd <= 0) throw new PrometheusFormatError(`${where}: expected "name[{labels}] value", got ${JSON.stringify(line)}`)
  const name = line.slice(0, nameEnd)
  if (!NAME.test(name)) throw new PrometheusFormatError(`${where}: bad metric name ${JSON.stringify(name)}`)
  let rest = line.slice(nameEnd)
  let labels: Record<string, string> = {}
  if (rest.startsWith('{')) {
    const end = labelsEnd(rest, where)
    labels = parseLabels(rest.slice(1, end), where)
    rest = rest.slice(end + 1)
  }
  const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest)
  if (fields === null) throw new PrometheusFormatError(`${where}: expected " value [timestamp]" after the name and labels, got ${JSON.stringify(rest)}`)
  return { name, labels, value: parseValue(fields[1] ?? '', where) }
}

/** Index of the `}` closing the label set, skipping quoted values. */
function labelsEnd (text: string, where: string): number {
  let quoted = false
  for (let i = 1; i < text.length; i++) {
    const c = text[i]
    if (quoted && c === '\\') i++
    else if (c === '"') quoted = !quoted
    else if (!quoted && c === '}') return i
  }
  throw new PrometheusFormatError(`${where}: unterminated label set`)
}

function parseLabels (text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {}
  const pair = /\s*([^=\s]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y
  let at = 0
  while (at < text.length) {
    pair.lastIndex = at
    const match = pair.exec(text)
    if (match === null) throw new PrometheusFormatError(`${where}: bad label set {${text}}`)
    const [whole, name = '', raw = ''] = match
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new PrometheusFormatError(`${where}: bad label name ${JSON.stringify(name)}`)
    if (name in labels) throw new PrometheusFormatError(`${where}: label ${name} given twice`)
    labels[name] = unescape(raw, true, where)
    at += whole.length
    if (whole.length === 0) break
  }
  return labels
}

function unescape (text: string, inLabel: boolean, where: string): string {
  return text.replace(/\\(.?)/g, (_all, c: string) => {
    if (c === '\\') return '\\'
    if (c === 'n') return '\n'
    if (c === '"' && inLabel) return '"'
    throw new PrometheusFormatError(`${where}: bad escape \\${c}`)
  })
}

/** A float as Prometheus reads it (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan`. */
function parseValue (text: string, where: string): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text)
  if (special !== null) return special[2]?.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new PrometheusFormatError(`${where}: bad value ${JSON.stringify(text)}`)
  return Number(text)
}

/** Buckets per label set: ascending `le`, cumulative counts, a `+Inf` bucket equal to `_count`. */
function checkHistogram (family: MetricFamily): void {
  const groups = new Map<string, { buckets: Array<[number, number]>, count?: number, sum?: number }>()
  for (const s of family.samples) {
    const { le, ...rest } = s.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    const group = groups.get(key) ?? { buckets: [] }
    groups.set(key, group)
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new PrometheusFormatError(`${family.name}: a bucket without le`)
      group.buckets.push([parseValue(le, family.name), s.value])
    } else if (s.name.endsWith('_count')) group.count = s.value
    else group.sum = s.value
  }
  for (const [key, group] of groups) {
    const last = group.buckets.at(-1)
    if (last === undefined || last[0] !== Infinity) throw new PrometheusFormatError(`${family.name}${key}: no le="+Inf" bucket last`)
    for (let i = 1; i < group.buckets.length; i++) {
      const [prevLe, prev] = group.buckets[i - 1] as [number, number]
      const [le, count] = group.buckets[i] as [number, number]
      if (le <= prevLe || count < prev) throw new PrometheusFormatError(`${family.name}${key}: buckets must ascend and be cumulative`)
    }
    if (group.count !== last[1] || group.sum === undefined) throw new PrometheusFormatError(`${family.name}${key}: _count must equal the +Inf bucket, and _sum be there`)
  }
}
