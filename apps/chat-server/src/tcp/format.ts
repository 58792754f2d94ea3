import type { ServerEvent, WhoEvent } from '../core/events.js'
import { groupDigits, presenceText } from '../core/presence-digest.js'

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
 * A `/who` answer: the whole room on one line, as always, while it fits one
 * page; else the page, and how to ask for the next.
 */
function whoLines (event: WhoEvent): string {
  if (event.total === undefined || event.page === undefined || event.pages === undefined) return `${NOTICE}${event.nicks.length} online: ${event.nicks.join(', ')}\n`
  const total = groupDigits(event.total)
  if (event.nicks.length === 0) return `${NOTICE}${total} online; there is no page ${event.page}, the last is ${event.pages}\n`
  const head = `${NOTICE}${total} online, page ${event.page} of ${event.pages}: ${event.nicks.join(', ')}\n`
  if (event.page >= event.pages) return head
  // Every page before the last is full: this one's length is the page size.
  const more = event.total - event.page * event.nicks.length
  return `${head}${NOTICE}… and ${groupDigits(more)} more — /who ${event.page + 1} for the next page\n`
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
      return whoLines(event)
    case 'presence':
      return `${NOTICE}${presenceText(event)}\n`
    case 'error':
      return ERROR + event.text + '\n'
    case 'system':
      return notice(event.text)
  }
}
