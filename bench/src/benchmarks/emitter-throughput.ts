import { startJob } from '../harness/child.js'
import { measureRounds } from '../harness/rounds.js'
import { buildRow, ratioTarget } from '../harness/rows.js'
import type { Benchmark, Contender } from '../harness/types.js'

const contenders: Contender[] = [
  { id: 'RemoteEmitter', role: 'ours', pkg: '@eventwire/protocol' },
  { id: 'duplex-emitter', role: 'peer', pkg: 'duplex-emitter' },
  { id: 'socket.io', role: 'peer', pkg: 'socket.io' },
  { id: 'raw-net', role: 'limit' }
]

export const emitterThroughput: Benchmark = {
  name: 'emitter-throughput',
  title: 'Remote emitter throughput: events client → server over loopback TCP, respecting backpressure',
  async run (ctx) {
    const events = ctx.quick ? 50_000 : 200_000
    const { samples, errors } = await measureRounds(ctx, 'throughput', contenders, ctx.rounds, async (c) => {
      const receiver = startJob('emitter-receiver', { contender: c.id, events }, { timeoutMs: 120_000 })
      let sender: ReturnType<typeof startJob> | null = null
      try {
        const { port } = await receiver.next<{ type: string, port: number }>('ready', 30_000)
        sender = startJob('emitter-sender', { contender: c.id, events, port }, { timeoutMs: 120_000 })
        const r = await receiver.next<{ type: string, events: number, ms: number }>('result', 110_000)
        return { eps: r.events / (r.ms / 1000) }
      } finally {
        await Promise.all([receiver.stop(), sender?.stop()])
      }
    })
    return [buildRow({
      name: 'emitter-throughput',
      title: this.title,
      unit: 'events/s',
      better: 'higher',
      contenders,
      samples: samples.get('eps') ?? new Map(),
      rounds: ctx.rounds,
      notes: [
        `${events.toLocaleString('en-US')} events of ~100 bytes (["msg",{seq,user,text}]) per run; receiver and sender in separate processes; rate counted at the receiver from its first event to its last`,
        'backpressure: ours waits on emit() → false / drained(); duplex-emitter and raw net wait for the socket\'s drain after write() → false; socket.io (websocket transport only) waits for the TCP socket under its WebSocket to drain and caps its engine queue at 160 packets (~16 KiB, a socket highWaterMark), since its emit() has no backpressure signal',
        ...errors
      ],
      targets: [ratioTarget('RemoteEmitter ≥ 1.2× duplex-emitter', 'RemoteEmitter/duplex-emitter', '>=', 1.2)]
    })]
  }
}
