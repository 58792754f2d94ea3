import type { ChatRequest } from './events.js'

/** `/help` text; one command per line. */
export const HELP_TEXT = [
  'Commands:',
  '  /nick NAME        change your nickname (1-24 visible characters, no spaces)',
  '  /who              list who is here',
  '  /me ACTION        say an action: "/me waves" shows "* you waves"',
  '  /msg NAME TEXT    private message to one person',
  '  /quit [MESSAGE]   leave',
  '  /help             this text',
  'Anything else you type is sent to everyone. Start a message with "//" to send a line beginning with "/".'
].join('\n')

/** A parsed line: a request, or a usage error for the sender. */
export type ParsedLine = { ok: true, request: ChatRequest } | { ok: false, unknown: boolean, text: string }

function split (rest: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest)
  return m === null ? ['', ''] : [m[1] as string, m[2] as string]
}

/**
 * Turns one text line (already cleaned) into a request. Lines that do not
 * start with `/` are messages; `//text` sends `/text` literally.
 */
export function parseLine (line: string): ParsedLine {
  if (line.charCodeAt(0) !== 0x2f /* / */) return { ok: true, request: { type: 'message', text: line } }
  if (line.startsWith('//')) return { ok: true, request: { type: 'message', text: line.slice(1) } }
  const [word, rest] = split(line.slice(1))
  switch (word.toLowerCase()) {
    case 'nick':
      if (rest === '') return { ok: false, unknown: false, text: 'usage: /nick NAME' }
      return { ok: true, request: { type: 'nick', nick: rest } }
    case 'who':
      return { ok: true, request: { type: 'who' } }
    case 'me':
      if (rest === '') return { ok: false, unknown: false, text: 'usage: /me ACTION' }
      return { ok: true, request: { type: 'action', text: rest } }
    case 'msg': {
      const [to, text] = split(rest)
      if (to === '' || text === '') return { ok: false, unknown: false, text: 'usage: /msg NAME TEXT' }
      return { ok: true, request: { type: 'msg', to, text } }
    }
    case 'quit':
      return { ok: true, request: rest === '' ? { type: 'quit' } : { type: 'quit', text: rest } }
    case 'help':
      return { ok: true, request: { type: 'help' } }
    default:
      return { ok: false, unknown: true, text: `unknown command /${word}; type /help for the list` }
  }
}
