// @eventwire/kit/metrics: loads prom-client (a peer), so the kit's main entry stays free of it.
export { AppMetrics, processMetricsRegistry, type AppMetricsOptions, type LabelValues, type Samples, type ScrapedMetricSpec } from './app-metrics.js'
export { TransportMetrics, TransportStats, type SocketCounters, type TransportMeasure, type TransportSource, type TransportStatsOptions } from './transport.js'
export { LatencyHistogram, HistogramSeries, DEFAULT_LATENCY_BUCKETS, type LatencyHistogramOptions } from './histogram.js'
export { parsePrometheusText, PrometheusText, PrometheusFormatError, type MetricFamily, type MetricType, type Sample } from './prometheus-text.js'
