import { customAlphabet } from 'nanoid'
import { codePointLength } from './sanitize.js'
import { skeleton } from './skeleton.js'

export const MAX_NICK_LENGTH = 24

// Visible characters only: letters, combining marks, digits, punctuation and
// symbols. No spaces (a nick is one word in `/msg NAME TEXT`), no invisible
// format characters (`alice\u200b` must not pass for `alice`).
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u

// Characters that draw nothing although they count as letters, marks or
// symbols above: every default-ignorable code point (U+034F COMBINING GRAPHEME
// JOINER, variation selectors such as U+FE0F, Hangul fillers U+115F, U+1160,
// U+3164, U+FFA0, Khmer U+17B4/5, ...), plus blanks Unicode does not list as
// ignorable: U+2800 BRAILLE PATTERN BLANK, U+16FE4 KHITAN SMALL SCRIPT FILLER,
// U+1D159 MUSICAL SYMBOL NULL NOTEHEAD.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800\u{16FE4}\u{1D159}]/u
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu')

// IRC's nickname rules, for every member whatever its transport: IRC users see
// everyone as `nick!user@host` in NAMES, WHO and message prefixes, so a nick
// must parse there. Never inside: space (checked above), `,` (target lists),
// `*` and `?` (masks), `!` and `@` (prefix separators). Never first: `#` and
// `&` (channels), `$` (server masks), `:` (a trailing parameter), `+`, `%`,
// `~` (membership prefixes in NAMES, ours and common ones).
const IRC_FORBIDDEN = /[,*?!@]/
const IRC_FORBIDDEN_FIRST = /^[#&$:+%~]/

/** The nickname after cleaning, or a sentence saying why it is refused. */
export type NickCheck = { ok: true, nick: string } | { ok: false, reason: string }

function hex (c: string): string {
  return 'U+' + (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')
}

/**
 * Validates a requested nickname (uniqueness is the NickStore's job): visible
 * characters, and a valid IRC nickname (Unicode allowed, as modern servers do). The room
 * hands it text already cleaned where it entered (sanitizeText: escapes,
 * controls and format characters gone); anything still unclean, such as a
 * space or an escape from another caller, is refused, never silently fixed.
 */
export function checkNick (nick: string): NickCheck {
  // Invisible characters cleaning keeps (U+034F, fillers, variation selectors) get a reason of their own.
  const invisible = INVISIBLE.exec(nick)
  if (invisible !== null) return { ok: false, reason: `a nickname cannot contain invisible or blank characters (found ${hex(invisible[0])})` }
  if (nick.length === 0) return { ok: false, reason: 'a nickname needs at least one visible character' }
  const length = codePointLength(nick)
  if (length > MAX_NICK_LENGTH) return { ok: false, reason: `a nickname is at most ${MAX_NICK_LENGTH} characters (got ${length})` }
  if (!VISIBLE.test(nick)) return { ok: false, reason: 'a nickname is one word of visible characters (no spaces or invisible characters)' }
  const forbidden = IRC_FORBIDDEN.exec(nick)
  if (forbidden !== null) return { ok: false, reason: `a nickname cannot contain ${forbidden[0]} (IRC, where everyone is seen too, reserves , * ? ! @)` }
  if (IRC_FORBIDDEN_FIRST.test(nick)) return { ok: false, reason: `a nickname cannot start with ${nick[0] as string} (IRC reserves # & $ : + % ~ there)` }
  return { ok: true, nick }
}

function fold (text: string): string {
  // Upper then lower: closer to Unicode case folding than toLowerCase alone (ß = SS = ss).
  return text.toUpperCase().toLowerCase()
}

/** Enough rounds to reach a fixed point for every code point (measured: at most 3). */
const MAX_ROUNDS = 5

/**
 * The key nicknames are compared by, so a look-alike cannot impersonate: NFKC
 * (full-width `ａｌｉｃｅ`), case-insensitive, and the UTS #39 confusable
 * skeleton (Cyrillic `аlісе`, Latin alpha `ɑlice`, `b0b` = `bob`), with
 * invisible characters dropped. Case is folded before the skeleton, because
 * skeletons are case-sensitive (`I` → `l`) and `ALICE` must still be `alice`;
 * the steps repeat until nothing changes, so equal keys are a true equivalence.
 */
export function nickKey (nick: string): string {
  let key = nick.replace(INVISIBLE_ALL, '')
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = skeleton(fold(key.normalize('NFKC')))
    if (next === key) break
    key = next
  }
  return key
}

const guestSuffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 4)

/** `guest-xxxx`; the room retries on the rare collision. */
export function guestNick (): string {
  return `guest-${guestSuffix()}`
}
