import { customAlphabet } from 'nanoid'
import { codePointLength, sanitizeText } from './sanitize.js'

export const MAX_NICK_LENGTH = 24

// Visible characters only: letters, combining marks, digits, punctuation and
// symbols. No spaces (a nick is one word in `/msg NAME TEXT`), no invisible
// format characters (`alice\u200b` must not pass for `alice`).
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u

/** The nickname after cleaning, or a sentence saying why it is refused. */
export type NickCheck = { ok: true, nick: string } | { ok: false, reason: string }

/** Cleans and validates a requested nickname (uniqueness is the room's job). */
export function checkNick (requested: string): NickCheck {
  const nick = sanitizeText(requested)
  if (nick.length === 0) return { ok: false, reason: 'a nickname needs at least one visible character' }
  const length = codePointLength(nick)
  if (length > MAX_NICK_LENGTH) return { ok: false, reason: `a nickname is at most ${MAX_NICK_LENGTH} characters (got ${length})` }
  if (!VISIBLE.test(nick)) return { ok: false, reason: 'a nickname is one word of visible characters (no spaces or invisible characters)' }
  return { ok: true, nick }
}

/**
 * The key nicknames are compared by: case-insensitive, and NFKC so that
 * full-width `ａｌｉｃｅ` collides with `alice` instead of impersonating her.
 */
export function nickKey (nick: string): string {
  return nick.normalize('NFKC').toLowerCase()
}

const guestSuffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 4)

/** `guest-xxxx`; the room retries on the rare collision. */
export function guestNick (): string {
  return `guest-${guestSuffix()}`
}
