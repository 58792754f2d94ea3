import { startJob, type Job } from '../harness/child.js'
import { measureSharedRounds, turnOrder } from '../harness/rounds.js'
import { buildRow, ratioTarget } from '../harness/rows.js'
import type { Benchmark, Contender } from '../harness/types.js'

const contenders: Contender[] = [
  { id: 'request()', role: 'ours', pkg: '@eventwire/protocol' },
  { id: 'duplex-emitter', role: 'peer', pkg: 'duplex-emitter' },
  { id: 'socket.io', role: 'peer', pkg: 'socket.io' },
  { id: 'raw net', role: 'limit' }
]

/** Requests per turn: long enough to be a stretch of steady round trips (~0.1 s), short enough that turns interleave finely. */
const TURN_REQUESTS = 500

/**
 * One round: a server and a client job per contender, all up at once; every
 * client warms up, then they take `turns` turns of TURN_REQUESTS sequential
 * requests each (only the one whose turn it is sends; the others wait idle).
 */
async function measureRound (order: Contender[], turns: number, warmup: number): Promise<Map<string, { p50: number, p99: number }>> {
  const timeoutMs = 180_000
  const servers = order.map((c) => startJob('rt-server', { contender: c.id }, { timeoutMs }))
  const clients: Job[] = []
  try {
    const ports = await Promise.all(servers.map(async (s) => (await s.next<{ type: string, port: number }>('ready', 30_000)).port))
    for (let i = 0; i < order.length; i++) {
      clients.push(startJob('rt-client', { contender: order[i]!.id, port: ports[i], warmup, maxRequests: turns * TURN_REQUESTS }, { timeoutMs }))
    }
    await Promise.all(clients.map(async (c) => await c.next('ready', 60_000)))
    for (let turn = 0; turn < turns; turn++) {
      for (const i of turnOrder(order.length, turn)) await clients[i]!.ask({ type: 'turn', requests: TURN_REQUESTS }, 'turned', 60_000)
    }
    const results = new Map<string, { p50: number, p99: number }>()
    for (let i = 0; i < order.length; i++) {
      const r = await clients[i]!.ask<{ type: string, p50: number, p99: number }>({ type: 'report' }, 'result', 10_000)
      results.set(order[i]!.id, { p50: r.p50, p99: r.p99 })
    }
    return results
  } finally {
    await Promise.all([...servers, ...clients].map(async (j) => await j.stop()))
  }
}

export const roundtrip: Benchmark = {
  name: 'roundtrip',
  title: 'Remote emitter round trip: sequential request → reply over loopback',
  async run (ctx) {
    const turns = ctx.quick ? 4 : 20
    const requests = turns * TURN_REQUESTS
    // Steady state, for every contender alike: with 500 warm-up requests, a trace of the
    // slowest 1% showed them bunched in the first ~1,500 (JIT tier-up and its deopts),
    // which measured compilation, not the round trip.
    const warmup = 2000
    const { samples, errors } = await measureSharedRounds<'p50' | 'p99'>(ctx, 'roundtrip', contenders, ctx.rounds,
      async (order) => await measureRound(order, turns, warmup))
    const notes = [
      `${requests.toLocaleString('en-US')} sequential requests per contender per round after ${warmup.toLocaleString('en-US')} warm-up ones (the same for every contender), ~100-byte payload echoed back; server and client in separate processes`,
      `all contenders up at once, taking turns of ${TURN_REQUESTS} requests (A B C D, D C B A, …), so a busy stretch of the shared machine lands on all alike; p50 and p99 over every timed request of the round`,
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
