import { commandAvailable, LineClient, startRedisServer, type RedisServerHandle, type RedisServerOptions } from '@eventwire/testkit'
import { startChatCluster, type ChatClusterOptions } from '../src/cluster/chat-cluster.js'
import type { ChatServerOptions } from '../src/index.js'
import { startServer, type Started } from './helpers.js'
import { WsClient } from './ws-client.js'

/**
 * Whether redis-server is installed: without it the cluster suites skip, as the
 * repo's other Debian-package suites do (CI installs it, so nothing skips there).
 */
export const redisAvailable = commandAvailable(process.env.REDIS_SERVER_BIN ?? 'redis-server')

/** Everything a cluster test started, stopped in reverse order by `stopAll` (clients, servers, then Redis). */
export class Rig {
  readonly #stops: Array<() => Promise<unknown>> = []

  async redis (options: RedisServerOptions = {}): Promise<RedisServerHandle> {
    const redis = await startRedisServer(options)
    this.#stops.push(async () => await redis.stop())
    return redis
  }

  /** An in-process chat server in cluster mode on ports of its own. */
  async instance (url: string, options: ChatServerOptions & Partial<ChatClusterOptions> = {}): Promise<Started> {
    const { leaseMs, prefix, ...serverOptions } = options
    const cluster = await startChatCluster({ url, leaseMs: leaseMs ?? 3000, prefix, historySize: options.historySize })
    try {
      const started = await startServer({ ...serverOptions, cluster })
      this.#stops.push(async () => await started.server.close())
      return started
    } catch (err) {
      await cluster.close()
      throw err
    }
  }

  async tcp (port: number): Promise<LineClient> {
    const client = await LineClient.connect(port)
    this.#stops.push(async () => await client.close())
    await client.waitFor(/^\* Welcome/)
    return client
  }

  /** A WebSocket member, its welcome read; `query` e.g. `since=3&epoch=ab…`. */
  async ws (port: number, query = ''): Promise<{ client: WsClient, welcome: Record<string, any> }> {
    const client = await WsClient.connect(port, {}, query)
    this.#stops.push(async () => await client.close())
    return { client, welcome: await client.waitFor('welcome', 10_000) }
  }

  /** Registers any other cleanup. */
  later (stop: () => Promise<unknown>): void {
    this.#stops.push(stop)
  }

  async stopAll (): Promise<void> {
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop()
      } catch {
        // Best effort: the next cleanup still runs.
      }
    }
  }
}

/** Renames a TCP member and waits for the room's confirmation (from the log). */
export async function tcpNick (client: LineClient, nick: string): Promise<void> {
  client.send(`/nick ${nick}\n`)
  await client.waitFor(new RegExp(` is now known as ${nick}$`), 10_000)
}

/** Renames a WebSocket member and waits for its nick event. */
export async function wsNick (client: WsClient, nick: string): Promise<void> {
  client.send({ type: 'nick', nick })
  await client.waitFor((e) => e.type === 'nick' && e.to === nick, 10_000)
}
