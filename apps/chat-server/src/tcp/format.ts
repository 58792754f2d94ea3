import type { ServerEvent } from '../core/events.js'

/** Prefix for every line that is not somebody talking: notices, joins, actions. */
const NOTICE = '* '
/** Prefix for errors addressed to this user. */
const ERROR = '! '

function notice (text: string): string {
  // System text may span lines (/help); every line keeps the prefix so a
  // reader can tell the server from a person.
  return text.includes('\n') ? text.split('\n').map((l) => NOTICE + l).join('\n') + '\n' : NOTICE + text + '\n'
}

/**
 * Renders an event as the text lines a netcat/telnet user sees, each ending
 * in `\n`. `viewer` is the nickname of the member reading (only `private`
 * depends on it). Everything interpolated was cleaned by the room, so no
 * field can carry a newline or an escape sequence onto the wire.
 */
export function formatLine (event: ServerEvent, viewer: string): string {
  switch (event.type) {
    case 'message':
      return `<${event.from}> ${event.text}\n`
    case 'action':
      return `* ${event.from} ${event.text}\n`
    case 'private':
      return event.from === viewer && event.to !== viewer
        ? `[private to ${event.to}] ${event.text}\n`
        : `[private] <${event.from}> ${event.text}\n`
    case 'welcome':
      return notice(event.text)
    case 'history': {
      let out = `${NOTICE}last ${event.messages.length} message${event.messages.length === 1 ? '' : 's'}:\n`
      for (const m of event.messages) out += formatLine(m, viewer)
      return out
    }
    case 'join':
      return `${NOTICE}${event.nick} joined\n`
    case 'leave':
      return `${NOTICE}${event.nick} left (${event.reason})\n`
    case 'nick':
      return `${NOTICE}${event.from} is now known as ${event.to}\n`
    case 'who':
      return `${NOTICE}${event.nicks.length} online: ${event.nicks.join(', ')}\n`
    case 'error':
      return ERROR + event.text + '\n'
    case 'system':
      return notice(event.text)
  }
}
