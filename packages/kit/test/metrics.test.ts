import { describe, expect, it } from 'vitest'
import { AppMetrics, LatencyHistogram, parsePrometheusText, PrometheusFormatError, TransportMetrics, TransportStats } from '../src/metrics/index.js'

describe('AppMetrics, TransportMetrics and LatencyHistogram', () => {
  it('render what the hot paths counted, per instance, as text the strict reader accepts', async () => {
    const a = new AppMetrics()
    const b = new AppMetrics() // a second instance in the same process: its own registry, no name clash
    const stats = new TransportStats({ refused: ['max_connections'] })
    const sockets = [{ bytesRead: 10, bytesWritten: 20 }]
    new TransportMetrics(a).add({ transport: 'tcp', stats, counts: ['accepted', 'bytes', 'framesIn'], open: () => sockets.length, sockets: () => sockets, queuedBytes: () => [5, 7] })
    new TransportMetrics(b).add({ transport: 'tcp', stats: new TransportStats(), counts: [], open: () => 0 })
    const latency = new LatencyHistogram(a, { name: 'eventwire_test_duration_seconds', help: 'test', buckets: [0.01, 0.1], label: { name: 'result', values: ['ok', 'error'] } })

    stats.accepted += 2
    stats.framesIn += 3
    stats.refuse('per_address_limit')
    stats.socketClosed({ bytesRead: 100, bytesWritten: 200 })
    latency.series('ok').observe(0.005)
    latency.series('ok').observe(0.05)
    latency.series('error').observe(3)

    const text = await a.text()
    const parsed = parsePrometheusText(text)
    expect(parsed.value('eventwire_connections_open', { transport: 'tcp' })).toBe(1)
    expect(parsed.value('eventwire_connections_accepted_total', { transport: 'tcp' })).toBe(2)
    expect(parsed.value('eventwire_connections_refused_total', { transport: 'tcp', reason: 'max_connections' })).toBe(0)
    expect(parsed.value('eventwire_connections_refused_total', { transport: 'tcp', reason: 'per_address_limit' })).toBe(1)
    expect(parsed.value('eventwire_received_bytes_total', { transport: 'tcp' })).toBe(110)
    expect(parsed.value('eventwire_sent_bytes_total', { transport: 'tcp' })).toBe(220)
    expect(parsed.value('eventwire_received_frames_total', { transport: 'tcp' })).toBe(3)
    // Not counted by this transport: not reported (no misleading zero).
    expect(parsed.value('eventwire_sent_frames_total', { transport: 'tcp' })).toBeUndefined()
    expect(parsed.value('eventwire_send_queue_bytes', { transport: 'tcp' })).toBe(12)
    expect(parsed.value('eventwire_send_queue_max_bytes', { transport: 'tcp' })).toBe(7)
    expect(parsed.families.get('eventwire_test_duration_seconds')?.type).toBe('histogram')
    expect(parsed.value('eventwire_test_duration_seconds_bucket', { result: 'ok', le: '0.01' })).toBe(1)
    expect(parsed.value('eventwire_test_duration_seconds_bucket', { result: 'ok', le: '+Inf' })).toBe(2)
    expect(parsed.value('eventwire_test_duration_seconds_count', { result: 'error' })).toBe(1)
    expect(parsed.value('eventwire_test_duration_seconds_sum', { result: 'error' })).toBe(3)
    // The process's default metrics come after the instance's own.
    expect(parsed.families.get('process_cpu_user_seconds_total')?.type).toBe('counter')
    expect(parsed.families.has('nodejs_eventloop_lag_seconds')).toBe(true)

    const other = parsePrometheusText(await b.text())
    expect(other.value('eventwire_connections_accepted_total', { transport: 'tcp' })).toBeUndefined()
    expect(other.value('eventwire_connections_open', { transport: 'tcp' })).toBe(0)
  })
})

describe('parsePrometheusText', () => {
  const good = '# HELP x_total things\n# TYPE x_total counter\nx_total{a="b\\"c",d="e\\\\f"} 3 1700000000000\n\n# TYPE g gauge\ng -1.5e3\ng{k="v",} NaN\n'

  it('reads a valid exposition, escapes and timestamps included', () => {
    const parsed = parsePrometheusText(good)
    expect(parsed.value('x_total')).toBe(3)
    expect(parsed.samples('x_total')[0]?.labels).toEqual({ a: 'b"c', d: 'e\\f' })
    expect(parsed.families.get('x_total')?.help).toBe('things')
    expect(() => parsed.value('g')).toThrow(/2 samples of g/)
    expect(parsed.samples('g').map((s) => s.value)).toEqual([-1500, NaN])
  })

  it.each([
    ['no final line feed', 'a 1'],
    ['a bad name', '1a 1\n'],
    ['no value', 'a\n'],
    ['a bad value', 'a one\n'],
    ['an unterminated label set', 'a{b="c" 1\n'],
    ['an unquoted label value', 'a{b=c} 1\n'],
    ['a bad escape', 'a{b="\\t"} 1\n'],
    ['a label given twice', 'a{b="1",b="2"} 1\n'],
    ['a duplicate sample', 'a{b="1"} 1\na{b="1"} 2\n'],
    ['an unknown type', '# TYPE a meter\na 1\n'],
    ['TYPE after the samples', 'a 1\n# TYPE a gauge\n'],
    ['samples of a family split apart', '# TYPE a gauge\na{x="1"} 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n'],
    ['a negative counter', '# TYPE a_total counter\na_total -1\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a histogram whose buckets go down', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['a histogram whose count differs', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
    ['trailing garbage', 'a 1 2 3\n']
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow(PrometheusFormatError)
  })
})
