import type { RedisLink } from './connection.js'
import { badArgument } from './errors.js'
import { SET_IF_NEWER } from './presence-scripts.js'

/** A value with the time it describes (e.g. the door's state and its reading's epoch ms). */
export interface Stamped<V> { value: V, ts: number }

const NAME = /^[^\s]{1,200}$/

/**
 * Small shared values for the door: the current state, replaced only by a newer timestamp (so a
 * late write from a slow instance cannot roll it back), and "exactly one instance does this" flags.
 */
export class SharedState<V = unknown> {
  readonly link: RedisLink
  readonly namespace: string

  constructor (link: RedisLink, namespace = 'state') {
    if (!NAME.test(namespace)) throw badArgument('namespace must be non-empty without spaces')
    this.link = link
    this.namespace = namespace
  }

  /** The stored value, or null when there is none (or it is unreadable). */
  async get (name: string): Promise<Stamped<V> | null> {
    const [ts, json] = await this.link.run('state get', async (r) => await r.hmget(this.#key(name), 'ts', 'value'))
    if (ts === null || ts === undefined || json === null || json === undefined) return null
    try {
      return { value: JSON.parse(json) as V, ts: Number(ts) }
    } catch {
      return null
    }
  }

  /** Stores `value` if `ts` is newer than the stored one; resolves whether it did. */
  async setIfNewer (name: string, value: V, ts: number): Promise<boolean> {
    if (!Number.isFinite(ts) || ts < 0) throw badArgument(`ts must be a non-negative number, got ${ts}`)
    return await this.link.run('state set', async (r) => await SET_IF_NEWER.run(r, [this.#key(name)], [ts, JSON.stringify(value)])) === 1
  }

  /**
   * True for exactly one caller cluster-wide per `name` until `ttlMs` passes or `clearOnce(name)`
   * (SET NX PX): e.g. `once(\`offline:${lastReadingTs}\`, 60_000)` before sending the offline notice.
   */
  async once (name: string, ttlMs: number, holder = 'x'): Promise<boolean> {
    if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw badArgument(`ttlMs must be a positive integer, got ${ttlMs}`)
    return await this.link.run('state once', async (r) => await r.set(this.#key(`once:${name}`), holder, 'PX', ttlMs, 'NX')) === 'OK'
  }

  /** Makes `once(name)` true again for the next caller. */
  async clearOnce (name: string): Promise<void> {
    await this.link.run('state clear', async (r) => await r.del(this.#key(`once:${name}`)))
  }

  #key (name: string): string {
    if (!NAME.test(name)) throw badArgument('state names must be 1-200 characters without spaces')
    return this.link.key(this.namespace, name)
  }
}
