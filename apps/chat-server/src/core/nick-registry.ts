import { ChatErrorCodes, type ChatErrorCode } from './events.js'
import type { Member } from './member.js'
import { checkNick, guestNick, nickKey } from './nick.js'

/** What a rename did: nothing (same nick), a change from `from`, or a refusal for the sender. */
export type RenameResult =
  | { ok: true, from: string | undefined }
  | { ok: false, code: ChatErrorCode, text: string }

/**
 * Who holds which nickname, by nickKey: the one place that decides whether
 * two nicknames are the same (case, full-width forms, look-alikes). The room
 * asks it synchronously on every join, rename and `/msg`, so an
 * implementation answers from memory: in cluster mode a local view of the
 * shared claims, kept current by the instance that holds it.
 */
export interface NickStore {
  /** The member whose nickname looks like this one, if present. */
  find: (nick: string) => Member | undefined
  /** A `guest-xxxx` nobody holds, with its key. */
  freeGuest: () => { nick: string, key: string }
  /** Claims `member.key` for a member who has just joined. */
  add: (member: Member) => void
  /** Releases the member's nickname (it left). */
  remove: (member: Member) => void
  /** Releases every nickname (shutdown). */
  clear: () => void
  /** Validates (checkNick) and applies a nickname change; uniqueness is by nickKey. */
  rename: (member: Member, requested: string) => RenameResult
}

/** The in-process NickStore: one Map from nickKey to member. */
export class NickRegistry implements NickStore {
  readonly #byKey = new Map<string, Member>()

  /** The member whose nickname looks like this one, if present. */
  find (nick: string): Member | undefined {
    return this.#byKey.get(nickKey(nick))
  }

  /** A `guest-xxxx` nobody holds, with its key. */
  freeGuest (): { nick: string, key: string } {
    for (;;) {
      const nick = guestNick()
      const key = nickKey(nick)
      if (!this.#byKey.has(key)) return { nick, key }
    }
  }

  add (member: Member): void {
    this.#byKey.set(member.key, member)
  }

  remove (member: Member): void {
    if (this.#byKey.get(member.key) === member) this.#byKey.delete(member.key)
  }

  clear (): void {
    this.#byKey.clear()
  }

  /** Validates and applies a nickname change; uniqueness is by nickKey. */
  rename (member: Member, requested: string): RenameResult {
    const check = checkNick(requested)
    if (!check.ok) return { ok: false, code: ChatErrorCodes.BAD_NICK, text: check.reason }
    const key = nickKey(check.nick)
    const holder = this.#byKey.get(key)
    if (holder !== undefined && holder !== member) {
      return { ok: false, code: ChatErrorCodes.NICK_TAKEN, text: `the nickname ${holder.nick} is taken; choose another` }
    }
    if (check.nick === member.nick) return { ok: true, from: undefined }
    const from = member.nick
    this.remove(member)
    member.nick = check.nick
    member.key = key
    this.add(member)
    return { ok: true, from }
  }
}
