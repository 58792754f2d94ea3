import { ClusterError, redactUrl } from '@eventwire/cluster'
import type { AppLogger } from '@eventwire/protocol'
import { ConfigError } from '@eventwire/service'
import { startChatCluster, type ChatCluster } from './chat-cluster.js'

export interface ClusterSettings {
  /** REDIS_URL; unset: in-process. */
  redisUrl: string | undefined
  /** REDIS_PREFIX. */
  redisPrefix: string
  /** CHAT_LEASE_MS. */
  leaseMs: number
  /** CHAT_HISTORY. */
  historySize: number
}

/**
 * REDIS_URL checked before anything connects: `redis://` or `rediss://`
 * (TLS), a host, an optional port and database. A bad one is a ConfigError
 * naming the variable (and never echoing a password).
 */
export function redisUrlFrom (text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new ConfigError('REDIS_URL: not a URL; expected redis://[user:password@]host:port[/db], e.g. redis://127.0.0.1:6379')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`REDIS_URL: the scheme must be redis:// or rediss://, got ${url.protocol}//`)
  if (url.hostname === '') throw new ConfigError('REDIS_URL: no host; expected redis://host:port, e.g. redis://127.0.0.1:6379')
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) throw new ConfigError(`REDIS_URL: the path must be a database number (/0 to /99), got ${url.pathname}`)
  return url.toString()
}

/** Cluster mode from the settings: undefined without REDIS_URL; otherwise connected, or a one-line start failure. */
export async function clusterFromConfig (settings: ClusterSettings, logger: AppLogger): Promise<ChatCluster | undefined> {
  const url = redisUrlFrom(settings.redisUrl)
  if (url === undefined) return undefined
  if (/\s/.test(settings.redisPrefix)) throw new ConfigError(`REDIS_PREFIX: must not contain spaces, got ${JSON.stringify(settings.redisPrefix)}`)
  let cluster: ChatCluster
  try {
    cluster = await startChatCluster({ url, prefix: settings.redisPrefix, leaseMs: settings.leaseMs, historySize: settings.historySize, logger })
  } catch (err) {
    if (err instanceof ClusterError) throw new Error(`REDIS_URL ${redactUrl(url)}: ${err.message}`, { cause: err })
    throw err
  }
  logger.info({ redis: redactUrl(url), prefix: settings.redisPrefix, instance: cluster.instanceId, leaseMs: settings.leaseMs }, `cluster mode: the room is shared through Redis at ${redactUrl(url)}`)
  return cluster
}
