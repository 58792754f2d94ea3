import { ChatErrorCodes, type ChatErrorCode } from './events.js'
import type { Member } from './member.js'
import { checkNick, guestNick, nickKey } from './nick.js'

/** What a rename did: nothing (same nick), a change from `from`, or a refusal for the sender. */
export type RenameResult =
  | { ok: true, from: string | undefined }
  | { ok: false, code: ChatErrorCode, text: string }

/**
 * Who holds which nickname, by nickKey: the one place that decides whether
 * two nicknames are the same (case, full-width forms, look-alikes). The
 * in-process NickRegistry answers everything synchronously; a cluster store
 * (claims in Redis) returns promises from `add` and `rename` and answers
 * `who` and `lookup` for members of other instances. The room waits for a
 * promise before it goes on with that member (welcome, the next line), and
 * handles a plain value at once, so the in-process room never waits.
 */
export interface NickStore {
  /** The member here whose nickname looks like this one, if present. */
  find: (nick: string) => Member | undefined
  /** A `guest-xxxx` nobody here holds, with its key. */
  freeGuest: () => { nick: string, key: string }
  /**
   * Claims `member.key` for a member who has just joined. A promise: the
   * store may change `member.nick`/`key` (the guest nick was taken elsewhere)
   * before it resolves; the room welcomes the member after it.
   */
  add: (member: Member) => void | Promise<void>
  /** Releases the member's nickname (it left). */
  remove: (member: Member) => void
  /** Forgets every nickname held here (shutdown). */
  clear: () => void
  /** Validates (checkNick) and applies a nickname change; uniqueness is by nickKey. */
  rename: (member: Member, requested: string) => RenameResult | Promise<RenameResult>
  /** Every member's nickname room-wide, in join order (absent: the room lists its own members). */
  who?: () => Promise<string[]>
  /** A member of another instance holding this nickname (absent: there are none). */
  lookup?: (nick: string) => Promise<{ id: string, nick: string } | undefined>
  /** How many members the room has on every instance, cheaply (absent: only this instance's, room.size). */
  count?: () => Promise<number>
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
