import { once } from 'node:events'
import { onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { commandAvailable, LineClient, startRedisServer, waitUntil, type RedisServerHandle, type RedisServerOptions } from '@eventwire/testkit'
import { RedisDoorBus, type RedisDoorBusOptions } from '../src/cluster/index.js'
import type { DashboardMessage } from '../src/index.js'
import { MemoryLogger, startDoor, type StartedDoor } from './helpers.js'

/** Without redis-server these suites skip, as the repo's other Debian-package suites do; CI installs it. */
export const redisAvailable = commandAvailable(process.env.REDIS_SERVER_BIN ?? 'redis-server')

/** A redis-server for this test only, stopped when it finishes (after everything registered later). */
export async function redisForTest (options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const server = await startRedisServer(options)
  onTestFinished(async () => await server.stop())
  return server
}

export interface Instance extends StartedDoor {
  bus: RedisDoorBus
  /** Closes the door server, then its bus (what main.ts does on SIGTERM). */
  stop: () => Promise<void>
}

/** One door-server instance in this process, on its own ports, sharing the door through `url`. */
export async function startInstance (url: string, options: { offlineAfterMs?: number, bus?: Partial<RedisDoorBusOptions>, instanceId?: string } = {}): Promise<Instance> {
  // One log for the bus and the server: what this instance logged, in order.
  const logger = new MemoryLogger()
  const bus = await RedisDoorBus.connect({ url, commandTimeoutMs: 1000, blockMs: 1000, instanceId: options.instanceId, logger, ...options.bus })
  let started: StartedDoor
  try {
    started = await startDoor({ bus, offlineAfterMs: options.offlineAfterMs ?? 0, logger })
  } catch (err) {
    await bus.close()
    throw err
  }
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await started.door.close()
    await bus.close()
  }
  onTestFinished(stop)
  return { ...started, logger, bus, stop }
}

/** A TCP client of `port`, closed when the test finishes. */
export async function tcpClient (port: number): Promise<LineClient> {
  const client = await LineClient.connect(port)
  onTestFinished(async () => await client.close())
  return client
}

/** A dashboard WebSocket that keeps every message; `next()` waits for the next one. */
export interface Browser {
  messages: DashboardMessage[]
  /** Waits until there are more than `count` messages, and returns message number `count`. */
  nth: (count: number) => Promise<DashboardMessage>
}

export async function browser (webPort: number): Promise<Browser> {
  const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`)
  ws.on('error', () => {})
  const messages: DashboardMessage[] = []
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(String(data)) as DashboardMessage))
  onTestFinished(() => { ws.terminate() })
  await once(ws, 'open')
  return {
    messages,
    nth: async (count) => {
      await waitUntil(() => messages.length > count, `dashboard message #${count}`, 10_000)
      return messages[count] as DashboardMessage
    }
  }
}

/** The frame names a client received so far. */
export function names (client: LineClient): string[] {
  return client.lines.map((l) => (JSON.parse(l) as [string])[0])
}

/** Every door event in the Redis log, as [name, at], oldest first. */
export async function logEvents (bus: RedisDoorBus): Promise<Array<[string, number]>> {
  const entries = await bus.log.range('0-0', 10_000)
  return entries.map((e) => {
    const { e: event } = JSON.parse(e.data) as { e: { name: string, at: number } }
    return [event.name, event.at]
  })
}
