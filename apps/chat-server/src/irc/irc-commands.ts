import { checkNick } from '../core/nick.js'
import { sanitizeText } from '../core/sanitize.js'
import type { IrcMessage } from './irc-message.js'
import { cap, names, sameName, who, whois } from './irc-replies.js'
import type { IrcSession } from './irc-session.js'
import { parseCtcp, stripFormatting } from './irc-text.js'

type Handler = (s: IrcSession, params: readonly string[]) => void

/** One IRC command: allowed before registration (`early`), its fewest parameters (else 461), its handler. */
interface IrcCommand {
  readonly early?: boolean
  readonly min?: number
  readonly run: Handler
}

/** A message to the channel is never a chat command: `/who` typed with `/say` stays text (`//` is the room's escape). */
function literal (text: string): string {
  const clean = sanitizeText(text)
  return clean.charCodeAt(0) === 0x2f ? '/' + clean : clean
}

/** One target of PRIVMSG/NOTICE. A NOTICE never gets an error back (RFC 2812 §3.3.2): bots must not loop. */
function sendTo (s: IrcSession, command: string, target: string, raw: string): void {
  const quiet = command === 'NOTICE'
  const channel = s.ctx.channel
  const toChannel = target.startsWith('#')
  if (toChannel && !sameName(target, channel)) {
    if (!quiet) s.reply('403', [target], 'No such channel')
    return
  }
  if (s.member === undefined) {
    if (!quiet) s.reply('404', [target], `Cannot send: you are not in ${channel}; JOIN ${channel}`)
    return
  }
  const text = stripFormatting(raw)
  const ctcp = parseCtcp(text)
  if (ctcp === undefined) {
    s.request(toChannel ? { type: 'message', text: literal(text) } : { type: 'msg', to: target, text }, { command, target })
  } else if (ctcp.command === 'ACTION') {
    // The room has /me for everyone only; a private one would reach a netcat or browser user as a plain line.
    if (toChannel) s.request({ type: 'action', text: ctcp.text }, { command, target })
    else if (!quiet) s.notice(`a private /me is not supported here; ${target} did not get it (send a message instead)`)
  }
  // Any other CTCP (VERSION, PING, TIME) has no meaning for netcat and browser users: dropped, as a silent peer would.
}

function privmsg (command: 'PRIVMSG' | 'NOTICE'): Handler {
  return (s, [targets, text]) => {
    const quiet = command === 'NOTICE'
    if (targets === undefined || targets === '') return quiet ? undefined : s.reply('411', [], `No recipient given (${command})`)
    if (text === undefined || text === '') return quiet ? undefined : s.reply('412', [], 'No text to send')
    for (const target of targets.split(',')) if (target !== '') sendTo(s, command, target, text)
  }
}

/** NICK in the room is the room's rename (433/432 from its answer); outside it, checked here the room's way. */
function nick (s: IrcSession, requested: string | undefined): void {
  if (requested === undefined || requested === '') return s.reply('431', [], 'No nickname given')
  const wanted = sanitizeText(requested)
  if (s.member !== undefined) return s.request({ type: 'nick', nick: wanted }, { command: 'NICK', target: wanted })
  const check = checkNick(wanted)
  if (!check.ok) return s.reply('432', [wanted === '' ? '*' : wanted], `Erroneous nickname: ${check.reason}`)
  if (s.ctx.room.findByNick(wanted) !== undefined) return s.reply('433', [wanted], 'Nickname is already in use')
  s.keepNick(wanted)
}

/** Each channel of a JOIN/PART list: ours, or 403. */
function eachChannel (s: IrcSession, list: string, ours: () => void): void {
  for (const name of list.split(',')) {
    if (sameName(name, s.ctx.channel)) ours()
    else if (name !== '') s.reply('403', [name], 'No such channel')
  }
}

function mode (s: IrcSession, [target, modes, ...args]: readonly string[]): void {
  const channel = s.ctx.channel
  if ((target as string).startsWith('#')) {
    if (!sameName(target as string, channel)) return s.reply('403', [target as string], 'No such channel')
    if (modes === undefined) return s.reply('324', [channel, '+nt'])
    // List queries: nobody is banned, excepted or invited; irssi's channel sync waits for these ends.
    const list = args.length === 0 ? modes.replace(/^\+/, '') : ''
    if (list === 'b') return s.reply('368', [channel], 'End of channel ban list')
    if (list === 'e') return s.reply('349', [channel], 'End of channel exception list')
    if (list === 'I') return s.reply('347', [channel], 'End of channel invite list')
    return s.reply('482', [channel], "You're not channel operator")
  }
  const holder = s.ctx.room.findByNick(target as string)
  if ((s.member !== undefined && holder === s.member) || sameName(target as string, s.nick)) return s.reply('221', ['+i'])
  if (holder === undefined) return s.reply('401', [target as string], 'No such nick/channel')
  s.reply('502', [], "Can't change mode for other users")
}

function topic (s: IrcSession, [name, text]: readonly string[]): void {
  const { channel, topic } = s.ctx
  if (!sameName(name as string, channel)) return s.reply('403', [name as string], 'No such channel')
  if (text !== undefined) return s.reply('482', [channel], "You're not channel operator")
  if (topic === undefined) s.reply('331', [channel], 'No topic is set')
  else s.reply('332', [channel], topic)
}

/** The IRC commands this server answers; any other gets 421 (451 before registration). */
const COMMANDS = new Map<string, IrcCommand>([
  ['CAP', { early: true, min: 1, run: (s, [sub, ...rest]) => { cap(s, sub as string, rest.join(' ')) } }],
  ['PASS', { early: true, min: 1, run: (s, [password]) => { if (s.registered) s.reply('462', [], 'You may not reregister'); else s.password = password } }],
  ['NICK', { early: true, run: (s, [wanted]) => { nick(s, wanted) } }],
  ['USER', {
    early: true,
    min: 4,
    run: (s, [user]) => { if (s.registered) s.reply('462', [], 'You may not reregister'); else s.setUser(user as string) }
  }],
  ['PING', { early: true, run: (s, [token]) => { if (token === undefined) s.reply('409', [], 'No origin specified'); else s.write(`:${s.ctx.server} PONG ${s.ctx.server} :${token}\r\n`) } }],
  // Any line proves the client alive (the connection notes it); a PONG needs nothing more.
  ['PONG', { early: true, run: () => {} }],
  ['QUIT', { early: true, run: (s, [message]) => { s.quit(message ?? '') } }],
  ['PRIVMSG', { run: privmsg('PRIVMSG') }],
  ['NOTICE', { run: privmsg('NOTICE') }],
  ['JOIN', { min: 1, run: (s, [list]) => { if (list === '0') s.partChannel(''); else eachChannel(s, list as string, () => { s.joinChannel() }) } }],
  ['PART', {
    min: 1,
    run: (s, [list, message]) => {
      eachChannel(s, list as string, () => { if (s.member === undefined) s.reply('442', [s.ctx.channel], "You're not on that channel"); else s.partChannel(message ?? '') })
    }
  }],
  ['NAMES', { run: (s, [list]) => { if (list === undefined || sameName(list, s.ctx.channel)) names(s); else s.reply('366', [list], 'End of /NAMES list.') } }],
  ['TOPIC', { min: 1, run: topic }],
  ['MODE', { min: 1, run: mode }],
  ['WHO', { run: (s, [mask]) => { who(s, mask ?? '*') } }],
  // `WHOIS server nick` names the server first: the nick is the last parameter.
  ['WHOIS', { run: (s, params) => { const nick = params.at(-1)?.split(',')[0]; if (nick === undefined || nick === '') s.reply('431', [], 'No nickname given'); else whois(s, nick) } }],
  ['LIST', {
    run: (s) => {
      s.reply('321', ['Channel'], 'Users  Name')
      s.reply('322', [s.ctx.channel, String(s.ctx.room.size)], s.ctx.topic ?? '')
      s.reply('323', [], 'End of /LIST')
    }
  }]
])

/** Runs one client line: 451 before registration for what needs it, 461 when parameters are missing, 421 when unknown. */
export function dispatch (s: IrcSession, message: IrcMessage): void {
  const command = COMMANDS.get(message.command)
  if (!s.registered && command?.early !== true) return s.reply('451', [], 'You have not registered')
  if (command === undefined) return s.reply('421', [message.command], 'Unknown command')
  if (message.params.length < (command.min ?? 0)) return s.reply('461', [message.command], 'Not enough parameters')
  command.run(s, message.params)
}
