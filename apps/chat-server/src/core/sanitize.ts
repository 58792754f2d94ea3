/**
 * Hostile-input cleaning shared by messages and nicknames. A chat line is
 * printed raw on other people's terminals (nc, telnet), so escape sequences
 * must never get through: `\x1b[2J` would clear a reader's screen, an OSC
 * sequence could retitle their terminal, a bidi override could reverse text.
 */

// Anything that needs cleaning at all. Most lines contain none of these, so
// the common case costs one regex test and no allocation.
const SUSPECT = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

// ESC-introduced sequences: CSI (`ESC [ params final`), OSC/DCS/APC/PM/SOS
// strings up to BEL or ST (or the end of the line when unterminated), and the
// two-byte escapes; then the 8-bit C1 CSI form.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?/g

// Remaining C0/C1 controls, DEL, and bidi embedding/override/isolate characters.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

/** Removes ANSI escape sequences and control characters; tabs become spaces. Trims. */
export function sanitizeText (input: string): string {
  if (!SUSPECT.test(input)) return input.trim()
  return input.replace(ESCAPES, '').replace(CONTROLS, '').replace(/\t/g, ' ').trim()
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
