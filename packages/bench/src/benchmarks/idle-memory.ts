import { startJob, type Job } from '../harness/child.js'
import { appMissing } from '../harness/apps.js'
import { measureRounds } from '../harness/rounds.js'
import { buildRow, unavailableRow, valueTarget } from '../harness/rows.js'
import type { Benchmark } from '../harness/types.js'
import { contendersFor, serverSpec } from './broadcast-servers.js'

const contenders = contendersFor(['chat-tcp', 'chat-ws', 'door-tcp', 'socket.io', 'ws', 'raw-net'])

export const idleMemory: Benchmark = {
  name: 'idle-memory',
  title: 'Memory per idle client at N = 1,000 (server RSS after GC, minus RSS before any client)',
  unavailable: async () => appMissing('chat-server') ?? appMissing('door-server'),
  async run (ctx) {
    const n = 1000
    const { samples, errors } = await measureRounds(ctx, 'idle-memory', contenders, ctx.rounds, async (c) => {
      const spec = serverSpec(c.id)
      const server = startJob('server', { kind: spec.server, announce: false }, { timeoutMs: 120_000, nodeFlags: ['--expose-gc'] })
      let clients: Job | null = null
      try {
        const ports = await server.next<{ type: string, tcp?: number, web?: number }>('ready', 30_000)
        // Warm-up: 100 clients come and go first, so one-off costs (lazy modules, JIT code,
        // first heap growth) land in the baseline rather than in the per-client figure.
        const warm = startJob('idle-clients', { proto: spec.proto, port: ports[spec.port], clients: 100, batch: 100 }, { timeoutMs: 60_000 })
        try { await warm.next('connected', 50_000) } finally { await warm.stop() }
        await new Promise((resolve) => setTimeout(resolve, 300))
        const before = await server.ask<{ type: string, rss: number }>({ type: 'measure' }, 'measured')
        clients = startJob('idle-clients', { proto: spec.proto, port: ports[spec.port], clients: n, batch: 100 }, { timeoutMs: 110_000 })
        await clients.next('connected', 100_000)
        const after = await server.ask<{ type: string, rss: number }>({ type: 'measure' }, 'measured')
        return { kib: (after.rss - before.rss) / n / 1024 }
      } finally {
        await Promise.all([clients?.stop(), server.stop()])
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
      rounds: ctx.rounds,
      notes: [
        'server alone in a process started with --expose-gc; RSS measured after two GCs once 100 warm-up clients have come and gone, and again once all 1,000 are connected (chat and door clients after their welcome/state line); kernel socket buffers are not in RSS',
        'chat members get the welcome line and history, but join/leave notices are off (announceLimit 0), as the peer servers send none; the 10k benchmark runs with notices on',
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
