import { startJob, type Job } from '../harness/child.js'

/**
 * One round of the scale benchmarks: a chat server with its defaults (join and
 * leave announcements on: past its digest threshold they come as one digest a
 * second), `members` clients over several client processes, each process on
 * its own loopback source address (127.0.0.2, 127.0.0.3, …: ~28k ephemeral
 * ports each), then one broadcast timed to the last member.
 */
export interface ScaleSpec {
  members: number
  proto: 'tcp-lines' | 'ws-json'
  /** Client processes; each holds members / procs connections from its own source address. */
  procs: number
  /** Handshakes in flight per client process: the connect rate is bounded by it (the listen backlog is 511). */
  batch: number
  /** Hard limit on the whole round. */
  timeoutMs: number
  /** The most open files a job may be given here (see harness/open-files.ts); absent: as many as needed. */
  openFilesCap?: number
}

export interface ScaleResult {
  connectS: number
  /** Server RSS after GC with everyone connected, and its peak over the round. */
  rssMiB: number
  peakMiB: number
  /** (RSS with everyone − RSS before the first client) / members. */
  perMemberKiB: number
  reached: number
  broadcastMs: number
  /** Server CPU (user + system) while the members connected, and for the broadcast. */
  connectCpuS: number
  broadcastCpuMs: number
  /** Lines (TCP) or messages (WebSocket) one member received on average while everyone connected: welcome, presence. */
  linesPerMember: number
}

type Measured = { type: string, rss: number, peak: number, cpuMs: number }

const MARK = 'scale-bench'

/** Every clients process's count of marked lines, closed sockets and lines, summed. */
async function countAll (clients: Job[]): Promise<{ marked: number, closed: number, lines: number }> {
  const total = { marked: 0, closed: 0, lines: 0 }
  for (const c of clients) {
    const x = await c.ask<{ type: string, marked: number, closed: number, lines: number }>({ type: 'count' }, 'counted', 30_000)
    total.marked += x.marked; total.closed += x.closed; total.lines += x.lines
  }
  return total
}

function startClients (spec: ScaleSpec, port: number): Job[] {
  const per = Math.ceil(spec.members / spec.procs)
  return Array.from({ length: spec.procs }, (_, i) => startJob('idle-clients', {
    proto: spec.proto, port, clients: per, batch: spec.batch, mark: MARK, hasSender: i === 0, localAddress: `127.0.0.${2 + i}`
  }, { timeoutMs: spec.timeoutMs - 10_000, openFiles: Math.min(per + 1024, spec.openFilesCap ?? Infinity) }))
}

/** Times one message from client 0 to every member (the TCP sender counts as reached: it gets no copy). */
async function broadcast (spec: ScaleSpec, clients: Job[]): Promise<{ reached: number, ms: number }> {
  const b0 = Date.now()
  const reachedP = clients.map(async (c) => await c.next<{ type: string, clients: number }>('reached', 60_000))
  clients[0]!.send({ type: 'broadcast', text: `hello ${spec.members}` })
  const senderCopy = spec.proto === 'ws-json' ? 0 : 1
  let reached = senderCopy
  const results = await Promise.allSettled(reachedP)
  const ms = Date.now() - b0
  for (const r of results) if (r.status === 'fulfilled') reached += r.value.clients
  // Say how many got it rather than only "not all".
  if (reached < spec.members) reached = (await countAll(clients)).marked + senderCopy
  return { reached, ms }
}

export async function scaleRound (spec: ScaleSpec, log: (line: string) => void): Promise<ScaleResult> {
  const server = startJob('server', { kind: 'chat', announce: true }, { timeoutMs: spec.timeoutMs, nodeFlags: ['--expose-gc'], openFiles: Math.min(spec.members + 4096, spec.openFilesCap ?? Infinity) })
  let clients: Job[] = []
  try {
    const ports = await server.next<{ type: string, tcp: number, web: number }>('ready', 30_000)
    const before = await server.ask<Measured>({ type: 'measure' }, 'measured')
    const t0 = Date.now()
    clients = startClients(spec, spec.proto === 'ws-json' ? ports.web : ports.tcp)
    await Promise.all(clients.map(async (c) => await c.next('connected', spec.timeoutMs - 20_000)))
    const connectS = (Date.now() - t0) / 1000
    const joined = await server.ask<Measured>({ type: 'measure' }, 'measured')
    log(`  ${spec.members} ${spec.proto} members connected in ${connectS.toFixed(1)} s`)
    // Settled (V8 shrinks what the connect burst grew after ~5 s of calm): the RSS the members really hold.
    const settled = await server.ask<Measured>({ type: 'measure', settleMs: 6000 }, 'measured', 60_000)
    const { lines, closed } = await countAll(clients)
    if (closed > 0) log(`  ${closed} members were disconnected while idle`)
    const cpu0 = await server.ask<{ type: string, cpuMs: number }>({ type: 'cpu' }, 'cpu')
    const { reached, ms } = await broadcast(spec, clients)
    const cpu1 = await server.ask<{ type: string, cpuMs: number }>({ type: 'cpu' }, 'cpu')
    const after = await server.ask<Measured>({ type: 'measure' }, 'measured')
    return {
      connectS,
      rssMiB: settled.rss / 2 ** 20,
      peakMiB: after.peak / 2 ** 20,
      perMemberKiB: (settled.rss - before.rss) / spec.members / 1024,
      reached,
      broadcastMs: ms,
      connectCpuS: (joined.cpuMs - before.cpuMs) / 1000,
      broadcastCpuMs: cpu1.cpuMs - cpu0.cpuMs,
      linesPerMember: lines / spec.members
    }
  } finally {
    await Promise.all([...clients.map(async (c) => await c.stop()), server.stop()])
  }
}
