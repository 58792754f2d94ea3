import { randomBytes } from 'node:crypto'
import type { Claims, Owned } from './claims.js'
import type { RedisLink } from './connection.js'
import { badArgument } from './errors.js'
import { REAP_LEASE, RELEASE_INSTANCE, RENEW } from './presence-scripts.js'

export const DEFAULT_LEASE_TTL_MS = 15_000
export const DEFAULT_LEASE_REFRESH_MS = 5_000

export interface LeasesOptions<V> {
  /** Instances of one app share a group (e.g. `chat`); default `default`. */
  group?: string
  /** Default: 16 random hex characters. */
  instanceId?: string
  /** An instance not heard from for this long is dead; default 15 s. */
  ttlMs?: number
  /** How often the lease is renewed; default 5 s (must be well under the TTL). */
  refreshMs?: number
  /** The claims released (and reported) when an instance is reaped. */
  claims?: Claims<V>
  /**
   * Called when a renewal finds this instance was reaped (it was frozen past its lease) or Redis
   * lost its data: its claims are gone and others have announced its members' leaves, so it must
   * claim again (or drop) what it owns.
   */
  onLost?: () => void | Promise<void>
  /** Renewal failures (Redis down), for logs; renewal goes on at the next tick. */
  onError?: (err: Error) => void
}

export interface Reaped<V> { instanceId: string, owned: Array<Owned<V>> }

/**
 * Per-instance liveness without a leader: each instance renews a key with a TTL; any instance may
 * run `reapExpired`, and one Lua script per dead instance decides which reaper gets to report it.
 */
export class Leases<V = unknown> {
  readonly link: RedisLink
  readonly instanceId: string
  readonly group: string
  readonly ttlMs: number
  readonly refreshMs: number
  /** Renewals done (started or not by the timer). */
  renewals = 0
  readonly #options: LeasesOptions<V>
  readonly #instancesKey: string
  #timer: NodeJS.Timeout | undefined
  #renewing: Promise<unknown> | undefined

  constructor (link: RedisLink, options: LeasesOptions<V> = {}) {
    this.link = link
    this.#options = options
    this.group = options.group ?? 'default'
    this.instanceId = options.instanceId ?? randomBytes(8).toString('hex')
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS
    this.refreshMs = options.refreshMs ?? DEFAULT_LEASE_REFRESH_MS
    if (!(this.refreshMs > 0 && this.refreshMs < this.ttlMs)) throw badArgument(`refreshMs (${this.refreshMs}) must be positive and below ttlMs (${this.ttlMs})`)
    if (/\s/.test(this.group + this.instanceId) || this.instanceId === '') throw badArgument('group and instanceId must not contain spaces')
    if (options.claims !== undefined && options.claims.instanceId !== this.instanceId) throw badArgument('claims must be made with this instance id')
    this.#instancesKey = link.key('instances', this.group)
  }

  leaseKey (instanceId: string): string {
    return this.link.key('lease', this.group, instanceId)
  }

  /** Registers this instance and renews its lease every `refreshMs` until `stop()`. */
  async start (): Promise<void> {
    await this.renew()
    if (this.#timer !== undefined) return
    this.#timer = setInterval(this.#tick, this.refreshMs)
    this.#timer.unref()
  }

  /** Renews now; resolves `restored` when the instance had been reaped (and calls `onLost`). */
  async renew (): Promise<'renewed' | 'restored'> {
    const member = await this.link.run('renew lease', async (r) => await RENEW.run(r, [this.#instancesKey, this.leaseKey(this.instanceId)], [this.instanceId, this.ttlMs, String(Date.now())]))
    const first = this.renewals === 0
    this.renewals++
    if (member === 1 || first) return 'renewed'
    await this.#options.onLost?.()
    return 'restored'
  }

  /**
   * Reaps every instance of the group whose lease expired: for each, one script claims the reaping
   * and releases its claims, so `onReap` runs on exactly one instance per dead one, with what it owned
   * (append their leave entries there). Resolves with what this call reaped.
   */
  async reapExpired (onReap?: (reaped: Reaped<V>) => void | Promise<void>): Promise<Array<Reaped<V>>> {
    const ids = (await this.link.run('list instances', async (r) => await r.smembers(this.#instancesKey))).filter((id) => id !== this.instanceId)
    const alive = await Promise.all(ids.map(async (id) => await this.link.run('check lease', async (r) => await r.exists(this.leaseKey(id)))))
    const out: Array<Reaped<V>> = []
    for (const [i, id] of ids.entries()) {
      if (alive[i] === 1) continue
      const reaped = await this.#reapOne(id)
      if (reaped === undefined) continue
      out.push(reaped)
      await onReap?.(reaped)
    }
    return out
  }

  /** Instances of the group with a live lease, this one included. */
  async alive (): Promise<string[]> {
    const ids = await this.link.run('list instances', async (r) => await r.smembers(this.#instancesKey))
    const exists = await Promise.all(ids.map(async (id) => await this.link.run('check lease', async (r) => await r.exists(this.leaseKey(id)))))
    return ids.filter((_id, i) => exists[i] === 1).sort()
  }

  /**
   * Stops renewing. With `release` (default) the instance leaves cleanly: its claims are released
   * (and returned, to announce leaves) and its lease removed; without, it is left to the reapers.
   */
  async stop (options: { release?: boolean } = {}): Promise<Array<Owned<V>>> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#renewing
    if (options.release === false) return []
    const owned = this.#options.claims === undefined ? [] : await this.#options.claims.releaseAllOf(this.instanceId)
    await this.link.run('end lease', async (r) => await r.multi().srem(this.#instancesKey, this.instanceId).del(this.leaseKey(this.instanceId)).exec())
    return owned
  }

  async #reapOne (id: string): Promise<Reaped<V> | undefined> {
    const claims = this.#options.claims
    if (claims === undefined) {
      const won = await this.link.run('reap', async (r) => await REAP_LEASE.run(r, [this.#instancesKey, this.leaseKey(id)], [id]))
      return won === 1 ? { instanceId: id, owned: [] } : undefined
    }
    const keys = [...claims.keysOf(id), this.#instancesKey, this.leaseKey(id)]
    const reply = await this.link.run('reap', async (r) => await RELEASE_INSTANCE.run(r, keys, [id])) as [number, string[]] | null
    return reply === null ? undefined : { instanceId: id, owned: claims.parseOwned(reply[1]) }
  }

  #tick = (): void => {
    if (this.#renewing !== undefined) return
    this.#renewing = this.renew().catch((err: Error) => {
      try { this.#options.onError?.(err) } catch {}
    }).finally(() => { this.#renewing = undefined })
  }
}
