import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startJob, type Job } from '../harness/child.js'
import { Proc } from '../harness/procs.js'
import { RedisServer } from '../harness/redis.js'
import type { Contender } from '../harness/types.js'

/** A contender of the cross-instance benchmark: how its two instances start and how clients speak to them. */
export interface ClusterContender extends Contender {
  kind: 'chat' | 'pubsub' | 'streams'
  proto: 'ws-json' | 'socket.io'
}

export const CLUSTER_CONTENDERS: ClusterContender[] = [
  { id: 'chat-cluster', role: 'ours', pkg: '@eventwire/chat-server', kind: 'chat', proto: 'ws-json' },
  { id: 'socket.io-redis', role: 'peer', pkg: '@socket.io/redis-adapter', kind: 'pubsub', proto: 'socket.io' },
  { id: 'socket.io-streams', role: 'peer', pkg: '@socket.io/redis-streams-adapter', kind: 'streams', proto: 'socket.io' }
]

/** The spec of one contender id (measureRounds hands back plain contenders). */
export function clusterSpec (id: string): ClusterContender {
  const c = CLUSTER_CONTENDERS.find((x) => x.id === id)
  if (c === undefined) throw new Error(`no cluster contender ${id}`)
  return c
}

/** How long an instance may live: longer than any one measurement. */
const INSTANCE_LIFETIME_MS = 240_000
const START_TIMEOUT_MS = 30_000
/** chat-server's start-up line (apps/chat-server/src/main.ts); the ports it really bound. */
const CHAT_LISTENING = /chat-server listening\b.*\bweb http:\/\/\S*?:(\d+)\//

/** The built chat-server main, next to the entry point its package exports (`dist/index.js`). */
export function chatMainPath (): string {
  return path.join(path.dirname(fileURLToPath(import.meta.resolve('@eventwire/chat-server'))), 'main.js')
}

/**
 * The environment each chat instance runs with: the deployment a user would run, except that
 * the benchmark sender must not be rate-limited and join notices are off (the peers send none).
 */
export function chatClusterEnv (redisPort: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    CHAT_PORT: '0',
    CHAT_WEB_PORT: '0',
    // Not an option today; if one appears with a fixed default, two instances must not collide on it.
    CHAT_IRC_PORT: '0',
    CHAT_PRESENCE_DIGEST_ABOVE: '1', // 1: presence as a digest a second while clients connect, no line per join (0 means a line each); the peers send none
    CHAT_RATE_BURST: '1000000000',
    CHAT_RATE_PER_SECOND: '1000000000',
    LOG_LEVEL: 'info'
  }
}

export interface Instances {
  /** WebSocket (chat) or socket.io port of each instance, A first. */
  ports: number[]
  stop: () => Promise<void>
}

/** Two instances of one contender sharing the Redis on `redisPort`. */
export async function startInstances (c: ClusterContender, redisPort: number): Promise<Instances> {
  if (c.kind === 'chat') {
    const procs = [0, 1].map((i) => new Proc(`chat-server instance ${'AB'[i]}`, process.execPath, [chatMainPath()], {
      env: { ...process.env, ...chatClusterEnv(redisPort) },
      timeoutMs: INSTANCE_LIFETIME_MS
    }))
    const stop = async (): Promise<void> => { await Promise.all(procs.map(async (p) => await p.stop())) }
    try {
      const lines = await Promise.all(procs.map(async (p) => await p.waitFor(CHAT_LISTENING, START_TIMEOUT_MS)))
      return { ports: lines.map((m) => Number(m[1])), stop }
    } catch (err) {
      await stop()
      throw err
    }
  }
  const jobs: Job[] = [0, 1].map(() => startJob('io-cluster-server', { adapter: c.kind, redisPort }, { timeoutMs: INSTANCE_LIFETIME_MS }))
  const stop = async (): Promise<void> => { await Promise.all(jobs.map(async (j) => await j.stop())) }
  try {
    const ready = await Promise.all(jobs.map(async (j) => await j.next<{ type: string, web: number }>('ready', START_TIMEOUT_MS)))
    return { ports: ready.map((r) => r.web), stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** A fresh redis-server and two fresh instances for one measurement, always stopped after. */
export async function withCluster<T> (c: ClusterContender, fn: (redis: RedisServer, ports: number[]) => Promise<T>): Promise<T> {
  const redis = await RedisServer.start()
  let instances: Instances | null = null
  try {
    instances = await startInstances(c, redis.port)
    return await fn(redis, instances.ports)
  } finally {
    await instances?.stop()
    await redis.stop()
  }
}

/** The clients job, always stopped after `fn`. */
export async function withClients<T> (params: Record<string, unknown>, timeoutMs: number, fn: (job: Job) => Promise<T>): Promise<T> {
  const job = startJob('cluster-clients', params, { timeoutMs })
  try {
    return await fn(job)
  } finally {
    await job.stop()
  }
}

/**
 * Null when chat-server really runs as a cluster: two instances given REDIS_URL, and a message
 * sent on A reaches a receiver on B within a few seconds. Otherwise why ours cannot be measured.
 */
export async function chatClusterMissing (): Promise<string | null> {
  const chat = CLUSTER_CONTENDERS.find((c) => c.kind === 'chat')!
  try {
    return await withCluster(chat, async (_redis, ports) => await withClients(
      { mode: 'fanout', proto: chat.proto, ports, receivers: 2, messages: 0, syncTimeoutMs: 5000 },
      30_000,
      async (job) => {
        const r = await job.next<{ type: string, synced: boolean, syncedPerInstance: number[] }>('result', 25_000)
        if (r.synced) return null
        return `chat-server has no cluster mode (REDIS_URL ignored): a message sent on instance A reached ${r.syncedPerInstance[0] ?? 0}/1 receiver on A and ${r.syncedPerInstance[1] ?? 0}/1 on B within 5 s`
      }
    ))
  } catch (err) {
    return `chat-server did not start as a cluster: ${(err as Error).message.split('\n')[0]}`
  }
}
