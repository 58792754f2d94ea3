import { ClusterError, type Claims } from '@eventwire/cluster'
import type { AppLogger } from '@eventwire/protocol'
import { ChatErrorCodes } from '../core/events.js'
import type { Member } from '../core/member.js'
import type { NickStore, RenameResult } from '../core/nick-registry.js'
import { checkNick, guestNick, nickKey } from '../core/nick.js'

/** What the claims hold for each member (owner = member id): enough for `/who` and `/msg`. */
export interface MemberValue {
  nick: string
  instance: string
  /** Join time (epoch ms), for `/who` in join order. */
  since: number
}

/** Guest nicks tried when the ones drawn are taken elsewhere (1.6 million of them: a second try is already rare). */
const GUEST_TRIES = 8

/**
 * The NickStore of cluster mode: every nickname is a claim in Redis (Claims,
 * keyed by nickKey, owned by the member id), so two instances racing for one
 * name get exactly one winner. Members here are also kept in a local map, so
 * `find` (and `/msg` to someone on this instance) answers at once. Each
 * member's claim operations run one after another, so a leave never races
 * its own rename.
 */
export class ClusterNicks implements NickStore {
  readonly claims: Claims<MemberValue>
  readonly #byKey = new Map<string, Member>()
  readonly #chains = new Map<string, Promise<void>>()
  /** Members whose claim could not be made (Redis down): claimed again by reclaimAll(). */
  readonly #unclaimed = new Set<Member>()
  readonly #logger: AppLogger
  /** Called when reclaimAll() had to give a member another nick (its own was taken meanwhile). */
  onForcedRename: ((member: Member, from: string) => void) | undefined

  constructor (claims: Claims<MemberValue>, logger: AppLogger) {
    this.claims = claims
    this.#logger = logger
  }

  /** The members of this instance. */
  local (): Member[] {
    return [...this.#byKey.values()]
  }

  find (nick: string): Member | undefined {
    return this.#byKey.get(nickKey(nick))
  }

  freeGuest (): { nick: string, key: string } {
    for (;;) {
      const nick = guestNick()
      const key = nickKey(nick)
      if (!this.#byKey.has(key)) return { nick, key }
    }
  }

  async add (member: Member): Promise<void> {
    this.#byKey.set(member.key, member)
    await this.#chain(member, async () => { await this.#claimGuest(member) })
  }

  remove (member: Member): void {
    if (this.#byKey.get(member.key) === member) this.#byKey.delete(member.key)
    this.#unclaimed.delete(member)
    void this.#chain(member, async () => {
      try {
        await this.claims.release(member.key, member.id)
      } catch (err) {
        // Left in Redis: released with the instance's claims when it stops, or by the reaper if it dies.
        this.#logger.warn({ err: (err as Error).message, id: member.id }, 'nickname not released: Redis unavailable')
      }
    }).finally(() => { this.#chains.delete(member.id) })
  }

  clear (): void {
    // Shutdown: the instance's claims are released all at once (Leases.stop).
    this.#byKey.clear()
    this.#unclaimed.clear()
  }

  async rename (member: Member, requested: string): Promise<RenameResult> {
    const check = checkNick(requested)
    if (!check.ok) return { ok: false, code: ChatErrorCodes.BAD_NICK, text: check.reason }
    const key = nickKey(check.nick)
    const holder = this.#byKey.get(key)
    if (holder !== undefined && holder !== member) return taken(holder.nick)
    if (check.nick === member.nick) return { ok: true, from: undefined }
    return await this.#chain(member, async () => await this.#rename(member, check.nick, key))
  }

  async who (): Promise<string[]> {
    const members = await this.claims.members()
    return [...members.values()].sort((a, b) => a.since - b.since).map((v) => v.nick)
  }

  /** One HLEN of the claims: the presence digest's room-wide count, without reading every member as `who` does. */
  async count (): Promise<number> {
    return await this.claims.link.run('count', async (r) => await r.hlen(this.claims.valuesKey))
  }

  async lookup (nick: string): Promise<{ id: string, nick: string } | undefined> {
    const found = await this.claims.lookup(nickKey(nick))
    if (found?.value === undefined) return undefined
    return { id: found.owner, nick: found.value.nick }
  }

  /**
   * Claims every local member's nickname again: after Redis lost them (the
   * instance was reaped while frozen, or Redis restarted empty) or could not
   * take them (down). A name taken meanwhile becomes a guest nick (onForcedRename).
   */
  async reclaimAll (all = true): Promise<void> {
    const members = all ? this.local() : [...this.#unclaimed]
    await Promise.all(members.map(async (member) => await this.#chain(member, async () => {
      const from = member.nick
      if (await this.#claimAs(member, member.nick, member.key) === 'taken') {
        await this.#claimGuest(member)
        if (member.present && member.nick !== from) this.onForcedRename?.(member, from)
      }
    })))
  }

  /** Members that still need a claim (Redis was down when they joined). */
  get unclaimed (): number {
    return this.#unclaimed.size
  }

  async #rename (member: Member, nick: string, key: string): Promise<RenameResult> {
    try {
      let result = await this.claims.rename(member.key, key, member.id, this.#value(member, nick))
      // Not holding the old name (lost to a reap, or never claimed): claim the new one outright.
      if (!result.ok && result.reason === 'refused') result = await this.claims.claim(key, member.id, this.#value(member, nick))
      if (!result.ok) {
        const other = result.reason === 'taken' ? await this.claims.lookup(key).catch(() => null) : null
        return taken(other?.value?.nick ?? nick)
      }
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message, id: member.id }, 'rename failed')
      const uncertain = err instanceof ClusterError && err.uncertain
      return { ok: false, code: ChatErrorCodes.NOT_DELIVERED, text: `nickname not changed: Redis ${uncertain ? 'did not answer in time' : 'unavailable'}; try again` }
    }
    this.#unclaimed.delete(member)
    const from = member.nick
    if (this.#byKey.get(member.key) === member) this.#byKey.delete(member.key)
    member.nick = nick
    member.key = key
    if (member.present) this.#byKey.set(key, member)
    return { ok: true, from }
  }

  /** The member's guest nick, or another one if it is taken elsewhere. */
  async #claimGuest (member: Member): Promise<void> {
    for (let i = 0; i < GUEST_TRIES; i++) {
      const verdict = await this.#claimAs(member, member.nick, member.key)
      if (verdict !== 'taken') return
      const guest = this.freeGuest()
      if (this.#byKey.get(member.key) === member) this.#byKey.delete(member.key)
      member.nick = guest.nick
      member.key = guest.key
      if (member.present) this.#byKey.set(guest.key, member)
    }
  }

  async #claimAs (member: Member, nick: string, key: string): Promise<'ok' | 'taken' | 'down'> {
    if (!member.present) return 'ok'
    try {
      const result = await this.claims.claim(key, member.id, this.#value(member, nick))
      this.#unclaimed.delete(member)
      return result.ok || result.reason === 'refused' ? 'ok' : 'taken'
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message, id: member.id }, 'nickname not claimed: Redis unavailable; retried when it is back')
      this.#unclaimed.add(member)
      return 'down'
    }
  }

  #value (member: Member, nick: string): MemberValue {
    return { nick, instance: this.claims.instanceId, since: member.joinedAt }
  }

  /** Runs `fn` after the member's previous claim operation. */
  async #chain<T> (member: Member, fn: () => Promise<T>): Promise<T> {
    const before = this.#chains.get(member.id) ?? Promise.resolve()
    const run = before.then(fn)
    this.#chains.set(member.id, run.then(() => {}, () => {}))
    return await run
  }
}

function taken (nick: string): RenameResult {
  return { ok: false, code: ChatErrorCodes.NICK_TAKEN, text: `the nickname ${nick} is taken; choose another` }
}
