import type { Benchmark } from '../harness/types.js'
import { ndjsonDecode } from './ndjson-decode.js'
import { emitterThroughput } from './emitter-throughput.js'
import { roundtrip } from './roundtrip.js'

/** Every benchmark, in run order. */
export const benchmarks: Benchmark[] = [
  ndjsonDecode,
  emitterThroughput,
  roundtrip
]
