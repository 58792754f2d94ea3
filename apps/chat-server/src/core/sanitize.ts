import type { ChatRequest } from './events.js'

/**
 * Hostile-input cleaning shared by messages and nicknames. A chat line is
 * printed raw on other people's terminals (nc, telnet), so escape sequences
 * must never get through: `\x1b[2J` would clear a reader's screen, an OSC
 * sequence could retitle their terminal, a bidi override could reverse text,
 * and invisible format characters could make two different lines look alike.
 */

// Anything that needs cleaning at all. Most lines contain none of these, so
// the common case costs one regex test and no allocation. \p{Cf} covers the
// bidi controls (LRM/RLM/ALM, embeddings, overrides, isolates), zero-width
// characters (ZWSP, ZWJ, ZWNJ, WORD JOINER, U+2061-2064, BOM), soft hyphen, tags.
const SUSPECT = /[\x00-\x1f\x7f-\x9f\p{Cf}\u2028\u2029]/u

// ESC-introduced sequences: CSI (`ESC [ params final`), OSC/DCS/APC/PM/SOS
// strings up to BEL or ST (or the end of the line when unterminated), and the
// two-byte escapes; then the 8-bit C1 CSI form.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?/g

// Remaining C0/C1 controls (tab and the line separators are turned into spaces below) and DEL.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g

// Every format character goes, except the two that carry meaning where they
// stand: ZWJ between emoji (👨‍👩‍👧, 🏳️‍🌈 stay one picture) and ZWNJ between
// letters (Persian and Indic spelling). Tag characters go too, so the flags of
// England, Scotland and Wales degrade to a black flag.
const FORMAT = /((?<=\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?)\u200d(?=\p{Extended_Pictographic})|(?<=\p{L}\p{M}*)\u200c(?=\p{L}))|\p{Cf}/gu

const SPACES = /[\t\u2028\u2029]/g

function keepJoiner (_match: string, kept: string | undefined): string {
  return kept ?? ''
}

/**
 * Removes ANSI escape sequences, control characters and invisible format
 * characters; tabs and line/paragraph separators become spaces. Trims.
 */
export function sanitizeText (input: string): string {
  if (!SUSPECT.test(input)) return input.trim()
  return input.replace(ESCAPES, '').replace(CONTROLS, '').replace(FORMAT, keepJoiner).replace(SPACES, ' ').trim()
}

/** Length in Unicode code points, so an emoji counts as one character, not two. */
export function codePointLength (text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0xd800 || c > 0xdbff) n++
  }
  return n
}

/** A request with every text field cleaned (sanitizeText): the one cleaning JSON requests get. Numbers (a who page) pass as they are. */
export function cleanRequest (request: ChatRequest): ChatRequest {
  const clean: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(request)) clean[key] = key === 'type' || typeof value !== 'string' ? value : sanitizeText(value)
  return clean as ChatRequest
}
