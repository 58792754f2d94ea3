import type { Benchmark } from '../harness/types.js'
import { ndjsonDecode } from './ndjson-decode.js'
import { emitterThroughput } from './emitter-throughput.js'
import { roundtrip } from './roundtrip.js'
import { httpBridge } from './http-bridge.js'
import { fanout } from './fanout.js'
import { idleMemory } from './idle-memory.js'
import { slowReceiver } from './slow-receiver.js'
import { chat100k, chatWs10k } from './scale-benchmarks.js'
import { clusterChat } from './cluster-chat.js'

/** Every benchmark, in run order. */
export const benchmarks: Benchmark[] = [
  ndjsonDecode,
  emitterThroughput,
  roundtrip,
  httpBridge,
  fanout,
  idleMemory,
  slowReceiver,
  chat100k,
  chatWs10k,
  clusterChat
]
