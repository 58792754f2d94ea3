import { appMissing } from '../harness/apps.js'
import { versionOf } from '../harness/env.js'
import type { JobMessage } from '../harness/child.js'
import { measureRounds } from '../harness/rounds.js'
import { redisServerPath } from '../harness/redis.js'
import { buildRow, ratioTarget, unavailableRow, type Samples } from '../harness/rows.js'
import type { Benchmark, Row, RunContext, TargetResult } from '../harness/types.js'
import { chatClusterMissing, CLUSTER_CONTENDERS, clusterSpec, withClients, withCluster, type ClusterContender } from './cluster-instances.js'

const OURS = 'chat-cluster'
const ANCHOR = 'socket.io-redis'
const TITLE = 'Cross-instance chat: 2 instances on one redis-server, one sender on A, receivers split evenly over A and B'

const SETUP_NOTE = 'each measurement starts a fresh redis-server 7.0 (127.0.0.1, --save \'\' --appendonly no) and two fresh instances; receivers and the sender share one client process, so receive − send latency uses one clock'
const CHAT_NOTE = 'chat-cluster: two `node apps/chat-server/dist/main.js` with REDIS_URL, CHAT_PORT=0, CHAT_WEB_PORT=0, CHAT_PRESENCE_DIGEST_ABOVE=1 (no line per join, a presence digest a second while clients connect: the peers send none) and the rate limit raised (CHAT_RATE_BURST, CHAT_RATE_PER_SECOND = 1e9) so the sender is not throttled; WebSocket receivers count `type: "message"` events'
const PEER_NOTE = `peers: the minimal socket.io ${versionOf('socket.io') ?? ''} server from each adapter's README, ioredis ${versionOf('ioredis') ?? ''} clients with their defaults (offline queue and auto-resubscribe on), relaying {from, text} with socket.broadcast.emit; socket.io-redis = @socket.io/redis-adapter (pub/sub), socket.io-streams = @socket.io/redis-streams-adapter (one Redis stream)`

interface FanoutResult extends JobMessage { synced: boolean, deliveries: number, ms: number, p50: number, p99: number, duplicates: number, outOfOrder: number }
interface LossResult extends JobMessage { synced: boolean, sent: number, lost: number, duplicated: number, outOfOrder: number, refused: number, errors: number, codes: Record<string, number>, partial: number, perInstance: Array<{ missing: number, outOfOrder: number }> }

export const clusterChat: Benchmark = {
  name: 'cluster-chat',
  title: TITLE,
  unavailable: async () => redisServerPath() === null ? 'redis-server is not installed (Debian: apt-get install redis-server)' : null,
  async run (ctx) {
    // Ours is probed first: until chat-server has a cluster mode, the peers are still measured and reported.
    const missing = appMissing('chat-server') ?? await chatClusterMissing()
    if (missing !== null) ctx.log(`  ${OURS} not available: ${missing}`)
    const running = CLUSTER_CONTENDERS.filter((c) => c.id !== OURS || missing === null)
    const head = missing === null ? [] : [`${OURS} not available: ${missing}`]
    const rows: Row[] = []
    for (const n of [100, 1000]) rows.push(...await fanoutRows(ctx, running, n, head))
    rows.push(...await lossRows(ctx, running, head))
    return rows
  }
}

interface MetricSpec {
  name: string
  title: string
  unit: string
  better: 'higher' | 'lower'
  samples: Samples | undefined
  rounds: number
  notes: string[]
  targets: Array<(row: Row) => TargetResult>
}

/** One metric's row, or a not-available row (with the failures) when every run of every contender failed. */
function metricRow (spec: MetricSpec, failures: string[]): Row {
  const { samples } = spec
  if (samples === undefined || samples.size === 0) return unavailableRow(spec.name, spec.title, spec.unit, `every run failed: ${failures.join('; ') || 'no result'}`)
  return buildRow({ ...spec, samples, contenders: CLUSTER_CONTENDERS })
}

async function fanoutRows (ctx: RunContext, running: ClusterContender[], n: number, head: string[]): Promise<Row[]> {
  const deliveries = ctx.quick ? 30_000 : 200_000
  const messages = Math.round(deliveries / n)
  const window = 20
  // Fresh instances every time: without a warm-up of the same size, JIT tier-up would be much of it.
  const warmup = messages
  const extra: string[] = []
  const { samples, errors } = await measureRounds(ctx, `cluster-fanout N=${n}`, running, ctx.rounds, async (contender) => {
    const c = clusterSpec(contender.id)
    return await withCluster(c, async (_redis, ports) => await withClients(
      { mode: 'fanout', proto: c.proto, ports, receivers: n, messages, window, warmup, syncTimeoutMs: 10_000 },
      150_000,
      async (job) => {
        const r = await job.next<FanoutResult>('result', 140_000)
        if (!r.synced) throw new Error('the sync message did not reach every receiver within 10 s')
        if (r.duplicates + r.outOfOrder > 0) extra.push(`${c.id}: ${r.duplicates} duplicated and ${r.outOfOrder} out-of-order deliveries in one round`)
        return { dps: r.deliveries / (r.ms / 1000), p50: r.p50, p99: r.p99 }
      }
    ))
  })
  const title = `Cross-instance chat fan-out (2 instances, one Redis), N=${n}`
  const notes = [
    ...head,
    `${messages} messages × ${n} receivers (${n / 2} on each instance), timed after ${warmup} warm-up messages; the sender stays at most ${window} messages ahead of the slowest receiver (same pacing for all); latency is receive − send of every timed delivery, so it includes that window`,
    SETUP_NOTE, CHAT_NOTE, PEER_NOTE, ...extra, ...errors
  ]
  const pair = `${OURS}/${ANCHOR}`
  const same = [...head, `same runs as cluster-fanout-${n}-dps`]
  const common = { rounds: ctx.rounds, unit: 'ms', better: 'lower' as const }
  return [
    metricRow({
      ...common,
      name: `cluster-fanout-${n}-dps`,
      title: `${title}: deliveries/s counted at the receivers`,
      unit: 'deliveries/s',
      better: 'higher',
      samples: samples.get('dps'),
      notes,
      targets: [ratioTarget('throughput ≥ 1.0× socket.io + redis-adapter', pair, '>=', 1.0)]
    }, errors),
    metricRow({ ...common, name: `cluster-fanout-${n}-p50`, title: `${title}: end-to-end latency p50`, samples: samples.get('p50'), notes: same, targets: [] }, errors),
    metricRow({
      ...common,
      name: `cluster-fanout-${n}-p99`,
      title: `${title}: end-to-end latency p99`,
      samples: samples.get('p99'),
      notes: same,
      targets: [ratioTarget('p99 ≤ 1.0× socket.io + redis-adapter p99', pair, '<=', 1.0)]
    }, errors)
  ]
}

/** Ours must show 0 in every round it ran; the peers are reported as measured. */
function zeroForOurs (what: string): (row: Row) => TargetResult {
  return (row) => {
    const xs = (row.contenders.find((c) => c.id === OURS)?.samples ?? []).filter((x) => Number.isFinite(x))
    if (xs.length === 0) return { text: `${OURS}: 0 ${what}`, met: null, detail: `${OURS} not measured` }
    return { text: `${OURS}: 0 ${what}`, met: xs.every((x) => x === 0), detail: `${OURS}: ${xs.join(', ')} per round` }
  }
}

async function lossRows (ctx: RunContext, running: ClusterContender[], head: string[]): Promise<Row[]> {
  const n = 100
  const messages = ctx.quick ? 2000 : 5000
  const ratePerS = 500
  const downMs = 700
  const rounds = ctx.quick ? 1 : 3
  const perRound: string[] = []
  const { samples, errors } = await measureRounds(ctx, 'cluster-loss', running, rounds, async (contender, round) => {
    const c = clusterSpec(contender.id)
    return await withCluster(c, async (redis, ports) => await withClients(
      { mode: 'loss', proto: c.proto, ports, receivers: n, messages, ratePerS, midwayAt: Math.round(messages / 2), settleMs: 3000, syncTimeoutMs: 10_000 },
      150_000,
      async (job) => {
        const result = job.next<LossResult>('result', 140_000)
        const midway = job.next('midway', 60_000)
        // Both are awaited below; a failure while we restart Redis must not surface as an unhandled rejection.
        result.catch(() => {})
        midway.catch(() => {})
        // A job that could not sync answers with its result and never reaches the middle.
        let down = NaN
        if (await Promise.race([midway.then(() => true), result.then(() => false)])) {
          down = (await redis.restart(downMs)).downMs
          job.send({ type: 'restarted' })
        }
        const r = await result
        if (!r.synced) throw new Error('the sync message did not reach every receiver within 10 s')
        const codes = Object.entries(r.codes).map(([k, v]) => `${k} ×${v}`).join(', ')
        perRound.push(`round ${round + 1} ${c.id}: sent ${r.sent}, Redis down ${down} ms; lost ${r.lost}, duplicated ${r.duplicated}, out of order ${r.outOfOrder}; refused and told the sender ${r.refused} (${r.errors} error events${codes ? ': ' + codes : ''}); ${r.partial} messages reached some receivers but not all; never delivered / out of order on A: ${r.perInstance[0]?.missing}/${r.perInstance[0]?.outOfOrder}, on B: ${r.perInstance[1]?.missing}/${r.perInstance[1]?.outOfOrder}`)
        return { lost: r.lost, duplicated: r.duplicated, outOfOrder: r.outOfOrder, refused: r.refused }
      }
    ))
  })
  const title = `Cross-instance chat loss run (2 instances, Redis SIGKILLed and restarted mid-traffic), N=${n}`
  const notes = [
    ...head,
    `${messages} messages at ${ratePerS}/s from the sender (the same pacing for all), each with a sequence number; after message ${Math.round(messages / 2)} redis-server is killed with SIGKILL and started again, empty, on the same port ${downMs} ms later; receivers are counted until every one has every message or nothing arrives for 3 s`,
    'lost = receiver × message pairs never delivered; duplicated = extra copies; out of order = deliveries of a lower sequence number after a higher one, per receiver',
    'refused = messages the server answered with an error event and that reached no receiver: told the sender, so not counted as lost (an error that names no message excuses one such message, never more than the errors received); refused messages are not retried, by any contender (socket.io tells its sender nothing, so it has nothing to retry)',
    SETUP_NOTE, CHAT_NOTE, PEER_NOTE, ...perRound, ...errors
  ]
  const same = [...head, 'same runs as cluster-loss-lost']
  const common = { rounds, unit: 'deliveries', better: 'lower' as const }
  return [
    metricRow({ ...common, name: 'cluster-loss-lost', title: `${title}: lost deliveries`, samples: samples.get('lost'), notes, targets: [zeroForOurs('lost')] }, errors),
    metricRow({ ...common, name: 'cluster-loss-duplicated', title: `${title}: duplicated deliveries`, samples: samples.get('duplicated'), notes: same, targets: [zeroForOurs('duplicated')] }, errors),
    metricRow({ ...common, name: 'cluster-loss-out-of-order', title: `${title}: out-of-order deliveries`, samples: samples.get('outOfOrder'), notes: same, targets: [zeroForOurs('out of order')] }, errors),
    metricRow({ ...common, name: 'cluster-loss-refused', title: `${title}: messages refused and told the sender`, unit: 'messages', samples: samples.get('refused'), notes: same, targets: [] }, errors)
  ]
}
