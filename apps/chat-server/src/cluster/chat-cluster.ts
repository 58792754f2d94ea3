import { randomBytes } from 'node:crypto'
import { Claims, connectRedis, Leases, StreamLog, type LinkState, type Reaped, type RedisLink } from '@eventwire/cluster'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import { LeaveCodes } from '../core/events.js'
import type { Member } from '../core/member.js'
import { DEFAULT_HISTORY_SIZE } from '../core/room-options.js'
import { ClusterNicks, type MemberValue } from './cluster-nicks.js'
import { RedisRoomBus } from './redis-bus.js'

/** An instance not heard from for this long is dead: its members' leaves are announced by another. */
export const DEFAULT_LEASE_MS = 15_000
/** The room's stream is trimmed to about this many entries (what `since` and late readers can still get). */
export const DEFAULT_LOG_LENGTH = 10_000

export interface ChatClusterOptions {
  /** `redis://[user:password@]host:port[/db]` (REDIS_URL). */
  url: string
  /** Every key starts with it (REDIS_PREFIX); default `eventwire:`. */
  prefix?: string
  /** Messages replayed to a member who joins; default 20. */
  historySize?: number
  /** Instance lease; renewed every third of it, and expired leases are reaped as often. Default 15 s. */
  leaseMs?: number
  /** Approximate length of the room's stream; default 10,000. */
  logLength?: number
  /** Default: 16 random hex characters. */
  instanceId?: string
  logger?: AppLogger
}

/**
 * One instance's share of the cluster: the Redis link, the room's log (as a
 * RoomBus), the nick claims (as a NickStore) and the instance's lease. Give
 * it to createChatServer({ cluster }). Started by startChatCluster().
 */
export class ChatCluster {
  readonly instanceId: string
  readonly link: RedisLink
  readonly bus: RedisRoomBus
  readonly nicks: ClusterNicks
  readonly leases: Leases<MemberValue>
  readonly #logger: AppLogger
  #reaper: NodeJS.Timeout | undefined
  #reaping: Promise<unknown> | undefined
  #restoring: Promise<void> | undefined
  #closed = false

  constructor (link: RedisLink, options: ChatClusterOptions & { instanceId: string }) {
    this.instanceId = options.instanceId
    this.link = link
    this.#logger = options.logger ?? silentAppLogger
    const log = new StreamLog(link, 'chat-room', { maxLen: options.logLength ?? DEFAULT_LOG_LENGTH })
    const claims = new Claims<MemberValue>(link, { namespace: 'chat-nick', instanceId: this.instanceId })
    this.bus = new RedisRoomBus({ log, instanceId: this.instanceId, historySize: options.historySize ?? DEFAULT_HISTORY_SIZE, logger: this.#logger })
    this.nicks = new ClusterNicks(claims, this.#logger)
    this.nicks.onForcedRename = (member, from) => { this.#announceRename(member, from) }
    const ttlMs = options.leaseMs ?? DEFAULT_LEASE_MS
    this.leases = new Leases<MemberValue>(link, {
      group: 'chat',
      instanceId: this.instanceId,
      ttlMs,
      refreshMs: Math.max(1, Math.floor(ttlMs / 3)),
      claims,
      // Not awaited: renewals must go on while it waits for the reader, or the lease would lapse again.
      onLost: () => { this.#restoring ??= this.#restore().finally(() => { this.#restoring = undefined }) },
      onError: (err) => { this.#logger.warn({ err: err.message }, 'lease not renewed: Redis unavailable') }
    })
  }

  /** The Redis link: `ready`, `connecting` or `down` (for /healthz and /readyz). */
  get state (): LinkState {
    return this.link.state
  }

  async start (): Promise<void> {
    await this.bus.start()
    await this.leases.start()
    this.link.on('state', this.#onState)
    this.#reaper = setInterval(this.#reap, this.leases.refreshMs)
    this.#reaper.unref()
  }

  /**
   * A clean stop, after the room's shutdown: the instance's claims are released
   * and its members' leaves announced (reason `server shutting down`), then the
   * reader and the link are closed.
   */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#reaper)
    this.link.off('state', this.#onState)
    await this.#reaping
    await this.#restoring
    try {
      const owned = await this.leases.stop({ release: true })
      await Promise.allSettled(owned.map(async (o) => await this.#announceLeave(o.owner, o.value, 'server shutting down', LeaveCodes.SHUTDOWN)))
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'claims not released on close: Redis unavailable; the reaper will')
    }
    await this.bus.close()
    await this.link.quit()
  }

  async #announceLeave (owner: string, value: MemberValue | undefined, reason: string, code: typeof LeaveCodes[keyof typeof LeaveCodes]): Promise<void> {
    if (value === undefined) return
    // Only one instance gets to announce a member (the reap and release scripts decide); retries keep their dedupe id.
    await this.bus.publish({ type: 'leave', nick: value.nick, reason, code, fromId: owner, ts: Date.now() })
  }

  /** Every instance runs this; the Leases script gives each dead instance to exactly one of them. */
  readonly #reap = (): void => {
    if (this.#reaping !== undefined || this.link.state !== 'ready') return
    this.#reaping = this.leases.reapExpired(async (reaped: Reaped<MemberValue>) => {
      this.#logger.warn({ instance: reaped.instanceId, members: reaped.owned.length }, 'instance lease expired: announcing its members\' leaves')
      await Promise.allSettled(reaped.owned.map(async (o) => await this.#announceLeave(o.owner, o.value, 'connection lost (its server stopped answering)', LeaveCodes.CLOSED)))
    }).catch((err: Error) => {
      this.#logger.warn({ err: err.message }, 'reaping failed; tried again at the next tick')
    }).finally(() => { this.#reaping = undefined })
  }

  /**
   * The lease was renewed after it had expired (this instance was frozen, or
   * Redis lost its data): the others have announced its members' leaves and
   * their claims are gone. Its members stay connected: once the reader has
   * delivered those leaves, their nicks are claimed again and their joins
   * announced again.
   */
  async #restore (): Promise<void> {
    this.#logger.warn({ instance: this.instanceId }, 'this instance had been reaped: re-claiming and re-announcing its members')
    try {
      const head = await this.bus.log.position()
      await this.bus.delivered(head.seq, this.leases.ttlMs)
      await this.nicks.reclaimAll()
      await Promise.allSettled(this.nicks.local().filter((m) => m.present && m.announced).map(async (m) => {
        await this.bus.publish({ type: 'join', nick: m.nick, fromId: m.id, ts: Date.now() })
      }))
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'restore incomplete: Redis unavailable')
    }
  }

  #announceRename (member: Member, from: string): void {
    this.bus.publish({ type: 'nick', from, to: member.nick, fromId: member.id, ts: Date.now() }).catch((err: Error) => {
      this.#logger.warn({ err: err.message, id: member.id }, 'forced nick change not announced')
    })
  }

  readonly #onState = (state: LinkState): void => {
    // Members who joined while Redis was down get their claims now.
    if (state === 'ready' && this.nicks.unclaimed > 0) void this.nicks.reclaimAll(false)
  }
}

/**
 * Connects to Redis (rejects with CLUSTER_CONNECT_FAILED when it cannot),
 * reads the room's snapshot and starts this instance's lease and reaper.
 */
export async function startChatCluster (options: ChatClusterOptions): Promise<ChatCluster> {
  const instanceId = options.instanceId ?? randomBytes(8).toString('hex')
  const link = await connectRedis(options.url, { prefix: options.prefix, name: `chat:${instanceId}` })
  const cluster = new ChatCluster(link, { ...options, instanceId })
  try {
    await cluster.start()
  } catch (err) {
    await cluster.close().catch(() => {})
    throw err
  }
  return cluster
}
