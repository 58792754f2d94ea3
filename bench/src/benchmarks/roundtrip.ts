import { startJob } from '../harness/child.js'
import { measureRounds } from '../harness/rounds.js'
import { buildRow, ratioTarget } from '../harness/rows.js'
import type { Benchmark, Contender } from '../harness/types.js'

const contenders: Contender[] = [
  { id: 'request()', role: 'ours', pkg: '@eventwire/protocol' },
  { id: 'duplex-emitter', role: 'peer', pkg: 'duplex-emitter' },
  { id: 'socket.io', role: 'peer', pkg: 'socket.io' },
  { id: 'raw net', role: 'limit' }
]

export const roundtrip: Benchmark = {
  name: 'roundtrip',
  title: 'Remote emitter round trip: sequential request → reply over loopback',
  async run (ctx) {
    const requests = 5000
    // Steady state, for every contender alike: with 500 warm-up requests, a trace of the
    // slowest 1% showed them bunched in the first ~1,500 (JIT tier-up and its deopts),
    // which measured compilation, not the round trip.
    const warmup = 2000
    const { samples, errors } = await measureRounds(ctx, 'roundtrip', contenders, ctx.rounds, async (c) => {
      const server = startJob('rt-server', { contender: c.id }, { timeoutMs: 120_000 })
      let client: ReturnType<typeof startJob> | null = null
      try {
        const { port } = await server.next<{ type: string, port: number }>('ready', 30_000)
        client = startJob('rt-client', { contender: c.id, port, requests, warmup }, { timeoutMs: 120_000 })
        const r = await client.next<{ type: string, p50: number, p99: number }>('result', 110_000)
        return { p50: r.p50, p99: r.p99 }
      } finally {
        await Promise.all([server.stop(), client?.stop()])
      }
    })
    const notes = [
      `${requests.toLocaleString('en-US')} sequential requests after ${warmup.toLocaleString('en-US')} warm-up ones (the same for every contender), ~100-byte payload echoed back; server and client in separate processes`,
      'ours: request("echo") / handle("echo"); duplex-emitter: emit("ping", id, body) answered by emit("pong", id, body); socket.io: emitWithAck (websocket transport)',
      'raw net (the limit): a fixed buffer the size of our request frame written to a plain socket and echoed back unparsed, one write each way; the distance to it is what framing, JSON and the emitter cost',
      'every contender awaits a promise per round trip, as its users would',
      ...errors
    ]
    const common = { contenders, rounds: ctx.rounds, better: 'lower' as const, unit: 'µs' }
    return [
      buildRow({
        ...common,
        name: 'roundtrip-p50',
        title: `${this.title} — p50 latency`,
        samples: samples.get('p50') ?? new Map(),
        notes,
        targets: [ratioTarget('request() p50 ≤ duplex-emitter p50', 'request()/duplex-emitter', '<=', 1)]
      }),
      buildRow({
        ...common,
        name: 'roundtrip-p99',
        title: `${this.title} — p99 latency`,
        samples: samples.get('p99') ?? new Map(),
        notes: [],
        targets: [ratioTarget('request() p99 ≤ duplex-emitter p99', 'request()/duplex-emitter', '<=', 1)]
      })
    ]
  }
}
