import type { RedisLink } from './connection.js'
import { badArgument } from './errors.js'
import { CLAIM, RELEASE, RELEASE_INSTANCE, RENAME } from './presence-scripts.js'

export type ClaimResult =
  | { ok: true }
  /** Someone else holds the key. */
  | { ok: false, reason: 'taken', holder: string }
  /** claim: the owner already holds `key`; rename: the owner does not hold the old key. */
  | { ok: false, reason: 'refused', key?: string }

/** What one owner held, as released by `releaseAllOf` or the reaper. */
export interface Owned<V> { owner: string, key: string, value: V | undefined }

export interface ClaimsOptions {
  /** Separates kinds of claims, e.g. `nick`; default `nick`. */
  namespace?: string
  /** The instance claiming (its `Leases.instanceId`), so its claims can be released when it dies. */
  instanceId: string
}

const PART = /^[^\s]{1,200}$/

/**
 * Cluster-wide unique keys (e.g. case-folded nicknames), each held by one owner (e.g. a member id)
 * with a JSON value (e.g. `{ nick, instance, transport }`). Every change is one Lua script, so of
 * two racing claims exactly one wins, and a rename never leaves both or neither key held.
 */
export class Claims<V = unknown> {
  readonly link: RedisLink
  readonly namespace: string
  readonly instanceId: string
  /** The hash owner -> JSON value: the member list, e.g. for `StreamLog.last(n, { hashKey })`. */
  readonly valuesKey: string
  readonly #keyHash: string
  readonly #ownerHash: string

  constructor (link: RedisLink, options: ClaimsOptions) {
    this.namespace = options.namespace ?? 'nick'
    if (!PART.test(this.namespace) || !PART.test(options.instanceId)) throw badArgument('namespace and instanceId must be non-empty without spaces')
    this.link = link
    this.instanceId = options.instanceId
    this.#keyHash = link.key('claims', this.namespace, 'key')
    this.#ownerHash = link.key('claims', this.namespace, 'owner')
    this.valuesKey = link.key('claims', this.namespace, 'value')
  }

  /** KEYS of the claim scripts for the claims made by `instanceId`. */
  keysOf (instanceId: string): [string, string, string, string] {
    return [this.#keyHash, this.#ownerHash, this.valuesKey, this.link.key('claims', this.namespace, 'of', instanceId)]
  }

  /** Claims `key` for `owner` (idempotent for the same owner). */
  async claim (key: string, owner: string, value: V): Promise<ClaimResult> {
    check(key, owner)
    const reply = await this.link.run('claim', async (r) => await CLAIM.run(r, this.keysOf(this.instanceId), [key, owner, JSON.stringify(value)])) as [number, string?]
    return result(reply)
  }

  /** Moves `owner` from `oldKey` to `newKey` atomically, optionally replacing its value. */
  async rename (oldKey: string, newKey: string, owner: string, value?: V): Promise<ClaimResult> {
    check(oldKey, owner)
    check(newKey, owner)
    const json = value === undefined ? '' : JSON.stringify(value)
    const reply = await this.link.run('rename', async (r) => await RENAME.run(r, this.keysOf(this.instanceId), [oldKey, newKey, owner, json])) as [number, string?]
    return result(reply)
  }

  /** Releases `key` if `owner` holds it; resolves whether it did. */
  async release (key: string, owner: string): Promise<boolean> {
    check(key, owner)
    return await this.link.run('release', async (r) => await RELEASE.run(r, this.keysOf(this.instanceId), [key, owner])) === 1
  }

  /** Releases every claim `instanceId` made, and says what they were (e.g. on a clean shutdown). */
  async releaseAllOf (instanceId: string): Promise<Array<Owned<V>>> {
    const reply = await this.link.run('release all', async (r) => await RELEASE_INSTANCE.run(r, this.keysOf(instanceId), [instanceId])) as [number, string[]]
    return this.parseOwned(reply[1])
  }

  /** The holder of `key` and its value, or null. */
  async lookup (key: string): Promise<{ owner: string, value: V | undefined } | null> {
    const owner = await this.link.run('lookup', async (r) => await r.hget(this.#keyHash, key))
    if (owner === null) return null
    const json = await this.link.run('lookup', async (r) => await r.hget(this.valuesKey, owner))
    return { owner, value: json === null ? undefined : parse<V>(json) }
  }

  /** Every owner and its value, cluster-wide (for `/who`). */
  async members (): Promise<Map<string, V>> {
    return this.parseMembers(await this.link.run('members', async (r) => await r.hgetall(this.valuesKey)))
  }

  /** Turns HGETALL of `valuesKey` (e.g. `Snapshot.hash`) into owner -> value, skipping unreadable values. */
  parseMembers (hash: Record<string, string>): Map<string, V> {
    const out = new Map<string, V>()
    for (const [owner, json] of Object.entries(hash)) {
      const value = parse<V>(json)
      if (value !== undefined) out.set(owner, value)
    }
    return out
  }

  /** Parses the flat {owner, key, value, ...} list the release scripts return. */
  parseOwned (flat: string[]): Array<Owned<V>> {
    const out: Array<Owned<V>> = []
    for (let i = 0; i + 2 < flat.length; i += 3) {
      out.push({ owner: flat[i] as string, key: flat[i + 1] as string, value: parse<V>(flat[i + 2] as string) })
    }
    return out
  }
}

function check (key: string, owner: string): void {
  if (key.length === 0 || key.length > 200 || !PART.test(owner)) throw badArgument('claim keys must be 1-200 characters and owners non-empty without spaces')
}

function result (reply: [number, string?]): ClaimResult {
  if (reply[0] === 1) return { ok: true }
  if (reply[0] === 0) return { ok: false, reason: 'taken', holder: reply[1] as string }
  return reply[1] === undefined ? { ok: false, reason: 'refused' } : { ok: false, reason: 'refused', key: reply[1] }
}

function parse<V> (json: string): V | undefined {
  try {
    return JSON.parse(json) as V
  } catch {
    return undefined
  }
}
