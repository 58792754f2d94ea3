import { ChatErrorCodes, type ErrorEvent, type ServerEvent, type WhoEvent } from '../core/events.js'
import { groupDigits } from '../core/presence-digest.js'
import { privateText } from './irc-events.js'
import { ircLine, MAX_LINE_BYTES } from './irc-message.js'
import type { IrcContext, Pending } from './irc-session.js'

/** Who is reading: its nick, whether it takes server-time tags and its own messages back, what it last asked. */
export interface Viewer {
  readonly nick: string
  readonly tagged: boolean
  readonly echo: boolean
  readonly pending: Pending | undefined
}

/** A server NOTICE per line of `text`. */
export function noticeText (ctx: IrcContext, nick: string, text: string): string {
  let out = ''
  for (const line of text.split('\n')) out += ircLine(ctx.server, 'NOTICE', [nick], line)
  return out
}

/**
 * The room's `/who` answer (asked by NAMES) as 353 lines, as many as 512
 * bytes need, then 366. Past one page the list is truncated, as Twitch's and
 * an auditorium channel's are: the first page, the viewer (a client expects
 * to find itself) and, after 366, a NOTICE saying how many are left out.
 */
function namesText (ctx: IrcContext, viewer: string, who: WhoEvent): string {
  const truncated = who.total !== undefined && who.total > who.nicks.length
  const nicks = truncated && !who.nicks.includes(viewer) ? [...who.nicks, viewer] : who.nicks
  const head = `:${ctx.server} 353 ${viewer} = ${ctx.channel} :`
  let out = ''
  let line = ''
  for (const nick of nicks) {
    if (line !== '' && Buffer.byteLength(head + line + nick) + 3 > MAX_LINE_BYTES) {
      out += `${head}${line}\r\n`
      line = ''
    }
    line += line === '' ? nick : ' ' + nick
  }
  if (line !== '') out += `${head}${line}\r\n`
  out += ircLine(ctx.server, '366', [viewer, ctx.channel], 'End of /NAMES list.')
  if (!truncated) return out
  const total = groupDigits(who.total as number)
  return out + noticeText(ctx, viewer, `${ctx.channel} has ${total} members; the names list shows ${nicks.length} of them`)
}

/**
 * The room's refusal of the pending request as the numeric an IRC client
 * expects (433, 432, 401); anything else, or an error that came later, as a
 * NOTICE. Nothing for a NOTICE: it never gets an answer.
 */
function errorText (ctx: IrcContext, viewer: Viewer, event: ErrorEvent): string {
  const pending = viewer.pending
  if (pending?.command === 'NOTICE') return ''
  const line = (code: string, trailing: string): string => ircLine(ctx.server, code, [viewer.nick, pending?.target as string], trailing)
  if (pending?.command === 'NICK' && event.code === ChatErrorCodes.NICK_TAKEN) return line('433', 'Nickname is already in use')
  if (pending?.command === 'NICK' && event.code === ChatErrorCodes.BAD_NICK) return line('432', `Erroneous nickname: ${event.text}`)
  if (pending !== undefined && event.code === ChatErrorCodes.NO_SUCH_NICK) return line('401', 'No such nick/channel')
  return noticeText(ctx, viewer.nick, event.text)
}

/** An event addressed to this member alone (private, who, error, system) as IRC lines; welcome and history are the connection's. */
export function personalText (ctx: IrcContext, viewer: Viewer, event: ServerEvent): string {
  switch (event.type) {
    case 'private':
      // The room copies a /msg to its sender; an IRC client already shows what it sent.
      if (!viewer.echo && event.from === viewer.nick && event.to !== viewer.nick) return ''
      return privateText(ctx, event, viewer.tagged)
    case 'who':
      return namesText(ctx, viewer.nick, event)
    case 'error':
      return errorText(ctx, viewer, event)
    case 'system':
      return noticeText(ctx, viewer.nick, event.text)
    default:
      return ''
  }
}
