import { sanitizeText } from '../core/sanitize.js'

/**
 * The text inside an IRC PRIVMSG: formatting codes and CTCP.
 *
 * Formatting (bold, colour, italics, …) is stripped, not passed through: the
 * room keeps one text for every member, and a netcat reader would see the
 * digits of `\x0304,05` while a browser shows no colour at all. What one IRC
 * user typed then reads the same for everybody, IRC users included.
 */

// ^C colour with up to two 1-2 digit numbers, ^D hex colour, and the one-byte
// toggles: ^B bold, ^O reset, ^Q monospace, ^V reverse, ^] italics, ^^ strike, ^_ underline.
const FORMATTING = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g

export function stripFormatting (text: string): string {
  return text.replace(FORMATTING, '')
}

/** Text from an IRC client that reaches other people (PART and QUIT messages): cleaned like any chat text. */
export function cleanReason (text: string): string {
  return sanitizeText(stripFormatting(text)).slice(0, 200)
}

/** A CTCP request (`\x01VERSION\x01`, `\x01ACTION waves\x01`): its command in upper case and the rest. */
export interface Ctcp {
  readonly command: string
  readonly text: string
}

/** The CTCP inside a message, if it is one. The closing `\x01` is optional, as clients are lenient about it. */
export function parseCtcp (text: string): Ctcp | undefined {
  if (text.charCodeAt(0) !== 1) return undefined
  const body = text.charCodeAt(text.length - 1) === 1 && text.length > 1 ? text.slice(1, -1) : text.slice(1)
  const space = body.indexOf(' ')
  return space === -1 ? { command: body.toUpperCase(), text: '' } : { command: body.slice(0, space).toUpperCase(), text: body.slice(space + 1) }
}
