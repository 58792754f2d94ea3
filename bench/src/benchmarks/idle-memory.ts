import { startJob, type Job } from '../harness/child.js'
import { appMissing } from '../harness/apps.js'
import { measureRounds } from '../harness/rounds.js'
import { buildRow, unavailableRow, valueTarget } from '../harness/rows.js'
import type { Benchmark } from '../harness/types.js'
import { contendersFor, serverSpec } from './broadcast-servers.js'

const contenders = contendersFor(['chat-tcp', 'chat-ws', 'door-tcp', 'socket.io', 'ws', 'raw-net'])

/** Long enough for V8 to see the connection burst is over and shrink its young generation. */
const SETTLE_MS = 6000
/** Memory is steadier than throughput, and each run idles twice for SETTLE_MS. */
const MAX_ROUNDS = 3

export const idleMemory: Benchmark = {
  name: 'idle-memory',
  title: 'Memory per idle client: server RSS growth from 1,000 to 2,000 idle clients, each measured after 6 s idle and GC, divided by 1,000',
  unavailable: async () => appMissing('chat-server') ?? appMissing('door-server'),
  async run (ctx) {
    const n = 1000
    const rounds = Math.min(ctx.rounds, MAX_ROUNDS)
    const { samples, errors } = await measureRounds(ctx, 'idle-memory', contenders, rounds, async (c) => {
      const spec = serverSpec(c.id)
      const server = startJob('server', { kind: spec.server, announce: false }, { timeoutMs: 120_000, nodeFlags: ['--expose-gc'] })
      const clients: Job[] = []
      const measure = async (): Promise<{ rss: number, young: number }> =>
        await server.ask<{ type: string, rss: number, young: number }>({ type: 'measure', settleMs: SETTLE_MS }, 'measured', SETTLE_MS + 20_000)
      try {
        const ports = await server.next<{ type: string, tcp?: number, web?: number }>('ready', 30_000)
        const connect = async (): Promise<void> => {
          const job = startJob('idle-clients', { proto: spec.proto, port: ports[spec.port], clients: n, batch: 100 }, { timeoutMs: 110_000 })
          clients.push(job)
          await job.next('connected', 100_000)
        }
        // The first 1,000 carry the one-off costs (lazy modules, JIT code, heap and allocator
        // growth); the figure is what the second 1,000 add once everything is idle again.
        await connect()
        const first = await measure()
        await connect()
        const second = await measure()
        // V8's young generation is scratch space, not memory the clients hold, and whether V8 has
        // shrunk it by a reading is its timing, not ours (one chat WS round read -7.5 KiB per client
        // when only the first reading still held a grown nursery): every contender's RSS is taken less it.
        // youngKib is logged so a round where V8 had not yet shrunk its nursery stands out.
        const held = (m: { rss: number, young: number }): number => m.rss - m.young
        return { kib: (held(second) - held(first)) / n / 1024, youngKib: (second.young - first.young) / n / 1024 }
      } finally {
        await Promise.all([...clients.map(async (job) => await job.stop()), server.stop()])
      }
    })
    if ((samples.get('kib')?.size ?? 0) === 0) return [unavailableRow('idle-memory', this.title, 'KiB/client', `every run failed: ${errors.join('; ')}`)]
    return [buildRow({
      name: 'idle-memory',
      title: this.title,
      unit: 'KiB/client',
      better: 'lower',
      contenders,
      samples: samples.get('kib')!,
      rounds,
      notes: [
        'server alone in a process started with --expose-gc; chat and door clients count as connected once they have their welcome/state line; kernel socket buffers are not in RSS',
        `each RSS reading comes after ${SETTLE_MS / 1000} s with no traffic and two GCs: V8 grows its young generation during a burst of connections and gives it back only once it sees ~5 s of low allocation; read 200 ms after the burst (this benchmark before 2026-11-22), up to 8 MiB of that nursery counted as per-client memory`,
        'chat members get the welcome line and history, and join/leave notices as digests from the second member on (presenceDigestAbove 1: at most one line a second while clients connect), as the peer servers send none',
        'every RSS reading is taken less the size of V8\'s young generation at that moment (the nursery is scratch space, and when V8 shrinks it is its timing): socket.io keeps allocating while its clients idle (a ping timer per client), so its nursery never shrinks, ~14 KiB per client that is no longer in its figure (the log shows youngKib per round)',
        ...errors
      ],
      targets: [
        valueTarget('chat TCP ≤ 10 KB per client', 'chat-tcp', '<=', 10, 'KiB'),
        valueTarget('door TCP ≤ 10 KB per client', 'door-tcp', '<=', 10, 'KiB'),
        valueTarget('chat WS ≤ 12 KB per client', 'chat-ws', '<=', 12, 'KiB')
      ]
    })]
  }
}
