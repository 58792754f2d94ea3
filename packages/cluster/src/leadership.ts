import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { RedisLink } from './connection.js'
import { badArgument } from './errors.js'
import { LuaScript } from './script.js'

/** KEYS: the lease key. ARGV: holder, ttl ms. Extends our lease or takes a free one; 1 if we hold it now. */
const HOLD = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

/** KEYS: the lease key. ARGV: holder. Gives the lease up only if we hold it. */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

export interface LeadershipOptions {
  /** How long a lease lasts without a refresh: the most a dead leader's role stays unclaimed. Default 15 s. */
  ttlMs?: number
  /** How often the leader extends it (and followers try to take it). Default ttlMs / 3. */
  refreshMs?: number
  /** Who we are in the lease; default a random id. */
  holder?: string
}

interface LeadershipEvents {
  /** We became the one (true) or stopped being it (false: lost the lease, Redis unreachable, stopped). */
  change: [leader: boolean]
}

/**
 * "Exactly one instance does this job" for as long as it lives: a Redis lease
 * held by one instance at a time, extended by its holder, taken by another
 * once it expires. Used for the door's MQTT publisher in cluster mode. A leader
 * that cannot reach Redis steps down at once rather than risk two leaders.
 */
export class Leadership extends EventEmitter<LeadershipEvents> {
  readonly holder: string
  readonly ttlMs: number
  readonly refreshMs: number
  readonly #link: RedisLink
  readonly #key: string
  #leader = false
  #timer: NodeJS.Timeout | null = null
  #stopped = false

  constructor (link: RedisLink, name: string, options: LeadershipOptions = {}) {
    super()
    this.ttlMs = options.ttlMs ?? 15_000
    this.refreshMs = options.refreshMs ?? Math.max(1, Math.floor(this.ttlMs / 3))
    if (!(this.ttlMs >= 10) || !(this.refreshMs >= 1) || this.refreshMs >= this.ttlMs) throw badArgument(`ttlMs must be >= 10 and refreshMs below it, got ${this.ttlMs}, ${this.refreshMs}`)
    if (!/^[^\s]{1,200}$/.test(name)) throw badArgument('name must be non-empty without spaces')
    this.holder = options.holder ?? randomUUID()
    this.#link = link
    this.#key = link.key('leader', name)
  }

  get leader (): boolean {
    return this.#leader
  }

  /** Tries at once, then every refreshMs. */
  start (): void {
    if (this.#timer !== null || this.#stopped) return
    void this.#tick()
    this.#timer = setInterval(() => { void this.#tick() }, this.refreshMs)
    this.#timer.unref()
  }

  /** Stops trying and gives the lease up if we hold it (best effort: it expires anyway). */
  async stop (): Promise<void> {
    this.#stopped = true
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    const wasLeader = this.#leader
    this.#set(false)
    if (!wasLeader) return
    try {
      await this.#link.run('release leadership', async (r) => await RELEASE.run(r, [this.#key], [this.holder]))
    } catch {}
  }

  async #tick (): Promise<void> {
    let held = false
    try {
      held = await this.#link.run('hold leadership', async (r) => await HOLD.run(r, [this.#key], [this.holder, this.ttlMs])) === 1
    } catch {
      held = false // not knowing is not leading
    }
    if (!this.#stopped) this.#set(held)
  }

  #set (leader: boolean): void {
    if (leader === this.#leader) return
    this.#leader = leader
    this.emit('change', leader)
  }
}
