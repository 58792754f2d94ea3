import { startJob, type Job } from '../harness/child.js'
import { appMissing } from '../harness/apps.js'
import { measureRounds } from '../harness/rounds.js'
import { buildRow, ratioTarget, unavailableRow } from '../harness/rows.js'
import type { Benchmark, Row } from '../harness/types.js'
import { contendersFor, serverSpec } from './broadcast-servers.js'

const contenders = contendersFor(['chat-tcp', 'chat-ws', 'socket.io', 'ws', 'raw-net'])

export const fanout: Benchmark = {
  name: 'fanout',
  title: 'Chat fan-out: one sender, N receivers, deliveries/s counted at the receivers',
  unavailable: async () => appMissing('chat-server'),
  async run (ctx) {
    const rows: Row[] = []
    for (const n of [100, 1000]) {
      const deliveries = ctx.quick ? 30_000 : 200_000
      const messages = Math.round(deliveries / n)
      const window = 20
      // Every server is started fresh, and the timed part lasts well under a second at raw-net
      // speed: without a warm-up of the same size, JIT tier-up would be much of what it measures.
      const warmup = messages
      const { samples, errors } = await measureRounds(ctx, `fanout N=${n}`, contenders, ctx.rounds, async (c) => {
        const spec = serverSpec(c.id)
        const server = startJob('server', { kind: spec.server, announce: false }, { timeoutMs: 120_000 })
        let clients: Job | null = null
        try {
          const ports = await server.next<{ type: string, tcp?: number, web?: number }>('ready', 30_000)
          clients = startJob('fanout-clients', { proto: spec.proto, port: ports[spec.port], receivers: n, messages, window, warmup }, { timeoutMs: 90_000 })
          const r = await clients.next<{ type: string, deliveries: number, ms: number }>('result', 85_000)
          return { dps: r.deliveries / (r.ms / 1000) }
        } finally {
          await Promise.all([clients?.stop(), server.stop()])
        }
      })
      if ((samples.get('dps')?.size ?? 0) === 0) {
        rows.push(unavailableRow(`fanout-${n}`, `${this.title}, N=${n}`, 'deliveries/s', `every run failed: ${errors.join('; ')}`))
        continue
      }
      rows.push(buildRow({
        name: `fanout-${n}`,
        title: `${this.title}, N=${n}`,
        unit: 'deliveries/s',
        better: 'higher',
        contenders,
        samples: samples.get('dps')!,
        rounds: ctx.rounds,
        notes: [
          `${messages} messages × ${n} receivers, timed after ${warmup} warm-up messages; the sender stays at most ${window} messages ahead of the slowest receiver (same pacing for all); server in one process, receivers + sender in another`,
          'peers are the minimal broadcast server a user would write: relay {from,text} to every other connection, encoded once (socket.io: socket.broadcast.emit; ws: JSON to each client; raw net: "<from> text" lines, all lines of one input chunk in one write per peer, noDelay as ws and socket.io set it)',
          'every peer names its connections guest-xxxx, as long as chat-server\'s guest nicks, so raw net relays the same bytes per line as chat TCP (before 2026-12-02 its guest101 lines were 2 bytes shorter); chat WS frames carry more than the ws peer\'s {type,from,text} (fromId, ts, seq)',
          ...(n >= 1000 ? ['here every chat flush reaches 1,000 readers, chat-server\'s big-room threshold: it then writes each reader at most once per 10 ms (fewer, larger writes, up to 10 ms later), where raw net writes once per input chunk'] : []),
          'TCP receivers and the sender set noDelay (before 2026-11-22 they did not, and Nagle capped every TCP contender near 400k deliveries/s)',
          'chat-server runs with its defaults except two: the per-member rate limit is raised so the benchmark sender is not throttled, and join/leave notices are digested from the second member on (presenceDigestAbove 1: at most one line a second while clients connect, none during the measurement) because the peer servers send none',
          ...errors
        ],
        targets: [
          ratioTarget('chat TCP ≥ 0.95× raw net', 'chat-tcp/raw-net', '>=', 0.95),
          ratioTarget('chat WS ≥ 1.0× raw ws', 'chat-ws/ws', '>=', 1.0)
        ]
      }))
    }
    return rows
  }
}
