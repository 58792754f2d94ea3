/**
 * IRC lines: parsing what a client sends and building what it gets, within
 * the protocol's 512 bytes per line (RFC 1459 §2.3, IRCv3 message tags
 * excepted: their budget is separate).
 */

/** One parsed client line: the command in upper case and its parameters, the trailing one included. */
export interface IrcMessage {
  readonly command: string
  readonly params: readonly string[]
}

/** The longest line, `\r\n` included. */
export const MAX_LINE_BYTES = 512
/** At most 15 parameters (RFC 1459); the rest of a longer line is folded into the last one. */
const MAX_PARAMS = 15

// Inside a line these would end it early for some clients, or hide what follows.
const CONTROL_BREAKS = /[\r\0]/g

/**
 * `[@tags] [:source] COMMAND params… [:trailing]`. Client tags and a source
 * are accepted and ignored (we offer no tag capability; a client's source is
 * never trusted). Runs of spaces separate parameters. Returns undefined for a
 * line with no command (blank, or tags/source only). Never throws.
 */
export function parseIrcLine (raw: string): IrcMessage | undefined {
  const line = raw.replace(CONTROL_BREAKS, '')
  let i = 0
  const skipSpaces = (): void => { while (line.charCodeAt(i) === 0x20) i++ }
  const skipWord = (): void => {
    const space = line.indexOf(' ', i)
    i = space === -1 ? line.length : space
    skipSpaces()
  }
  skipSpaces()
  if (line.charCodeAt(i) === 0x40 /* @ */) skipWord()
  if (line.charCodeAt(i) === 0x3a /* : */) skipWord()
  const words: string[] = []
  while (i < line.length) {
    if (words.length > 0 && line.charCodeAt(i) === 0x3a) {
      words.push(line.slice(i + 1))
      break
    }
    if (words.length === MAX_PARAMS) {
      words.push(line.slice(i))
      break
    }
    const start = i
    skipWord()
    words.push(line.slice(start, i).trimEnd())
  }
  const command = words.shift()
  if (command === undefined || command === '') return undefined
  return { command: command.toUpperCase(), params: words }
}

/** Bytes of a string in UTF-8. */
function bytes (text: string): number {
  return Buffer.byteLength(text)
}

/** The longest prefix of `text` within `max` UTF-8 bytes that ends on a code point boundary. */
function cutAt (text: string, max: number): number {
  let used = 0
  let i = 0
  while (i < text.length) {
    const cp = text.codePointAt(i) as number
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    if (used + size > max) break
    used += size
    i += cp >= 0x10000 ? 2 : 1
  }
  return i
}

/**
 * One line, `source COMMAND params… :trailing\r\n`. Parameters that come from
 * a client (an unknown nick, a channel name) could be long: the line is cut to
 * 512 bytes on a code point boundary rather than ever exceed it.
 */
export function ircLine (source: string, command: string, params: readonly string[], trailing?: string): string {
  let line = `:${source} ${command}`
  for (const p of params) line += ' ' + p
  if (trailing !== undefined) line += ' :' + trailing
  if (line.length * 3 > MAX_LINE_BYTES - 2 && bytes(line) > MAX_LINE_BYTES - 2) line = line.slice(0, cutAt(line, MAX_LINE_BYTES - 2))
  return line + '\r\n'
}

/**
 * `head + text + tail` as one or more lines of at most 512 bytes each: a long
 * message is split, never in the middle of a character (a UTF-8 sequence).
 * A piece ends at its last space when that space is in its second half, so
 * words stay whole where they can; that one space is dropped.
 */
export function fitText (head: string, text: string, tail = ''): string[] {
  const budget = MAX_LINE_BYTES - 2 - bytes(head) - bytes(tail)
  if (bytes(text) <= budget) return [`${head}${text}${tail}\r\n`]
  const lines: string[] = []
  let rest = text
  while (rest.length > 0) {
    // At least one code point per piece, so the loop always advances.
    let end = Math.max(cutAt(rest, budget), (rest.codePointAt(0) as number) >= 0x10000 ? 2 : 1)
    let next = end
    if (end < rest.length) {
      const space = rest.lastIndexOf(' ', end)
      if (space > end / 2) {
        end = space
        next = space + 1
      }
    }
    lines.push(`${head}${rest.slice(0, end)}${tail}\r\n`)
    rest = rest.slice(next)
  }
  return lines
}
