import { MAX_NICK_LENGTH } from '../core/nick.js'
import type { Member } from '../core/member.js'
import { groupDigits } from '../core/presence-digest.js'
import { historyText } from './irc-events.js'
import { CAPABILITIES, type IrcSession } from './irc-session.js'

/** 002/004's version string. */
export const IRC_VERSION = 'eventwire-chat'
/** The longest channel name accepted for the option (CHANNELLEN). */
export const MAX_CHANNEL_LENGTH = 50

/**
 * What 005 tells clients. CASEMAPPING=ascii: the room's own comparison is
 * stricter (Unicode case, full-width forms, look-alikes: see nickKey), and
 * every pair of nicks equal in ascii is equal for the room too, so a client
 * never merges two members; rfc1459 would (it makes `[` equal `{`, the room
 * does not).
 */
function isupport (s: IrcSession): string[] {
  return [
    'CASEMAPPING=ascii', 'CHANTYPES=#', `NICKLEN=${MAX_NICK_LENGTH}`, `CHANNELLEN=${MAX_CHANNEL_LENGTH}`,
    'PREFIX=(ov)@+', 'CHANMODES=b,,,nt', 'CHANLIMIT=#:1', `NETWORK=${s.ctx.server}`, 'UTF8ONLY'
  ]
}

/** 001–005 and the MOTD (375/372/376, or 422 without one): what a client waits for after NICK/USER. */
export function welcomeBurst (s: IrcSession, online: number): void {
  const { server, channel } = s.ctx
  s.reply('001', [], `Welcome to eventwire chat, ${s.nick}! ${online} online, all in ${channel}: IRC, netcat and browser users alike`)
  s.reply('002', [], `Your host is ${server}, running version ${IRC_VERSION}`)
  s.reply('003', [], `This server was created ${s.ctx.createdAt.toUTCString()}`)
  s.reply('004', [server, IRC_VERSION, 'i', 'bnt', 'b'])
  s.reply('005', isupport(s), 'are supported by this server')
  const motd = s.ctx.motd
  if (motd.length === 0) {
    s.reply('422', [], 'MOTD File is missing')
    return
  }
  s.reply('375', [], `- ${server} Message of the day - `)
  for (const line of motd) s.reply('372', [], `- ${line}`)
  s.reply('376', [], 'End of /MOTD command.')
}

/**
 * NAMES: asked of the room as a `/who` (counted by its rate limit like any
 * /who), so a cluster answers with every member of every instance; the
 * answer becomes 353/366 (namesText). Outside the channel: just the end.
 */
export function names (s: IrcSession): void {
  const channel = s.ctx.channel
  if (s.member === undefined) s.reply('366', [channel], 'End of /NAMES list.')
  else s.request({ type: 'who' }, { command: 'NAMES', target: channel })
}

/** What joining shows: the JOIN echo, 332 if there is a topic, NAMES, then the history as PRIVMSGs from their authors. */
export function channelBurst (s: IrcSession, history: Parameters<typeof historyText>[1]): void {
  const { server, channel, topic } = s.ctx
  s.write(`:${s.nick}!irc@${server} JOIN ${channel}\r\n`)
  if (topic !== undefined) s.reply('332', [channel], topic)
  names(s)
  if (history.length > 0) s.write(historyText(s.ctx, history, s.caps.has('server-time')))
}

const REALNAMES: Readonly<Record<string, string>> = { tcp: 'netcat/telnet user', web: 'browser user', irc: 'IRC user' }

function realname (s: IrcSession, m: Member): string {
  return REALNAMES[s.ctx.users.of(m)] ?? 'chat user'
}

/** One 352 line. */
function whoLine (s: IrcSession, m: Member): void {
  const { server, channel } = s.ctx
  s.reply('352', [channel, s.ctx.users.of(m), server, server, m.nick, 'H'], `0 ${realname(s, m)}`)
}

/**
 * WHO #channel → 352 per member, at most a `/who` page of them (a NOTICE
 * after 315 tells how many are left out); WHO nick → that one; then 315.
 */
export function who (s: IrcSession, mask: string): void {
  const { room, channel } = s.ctx
  const whole = sameName(mask, channel)
  if (whole) {
    let shown = 0
    for (const m of room.members.values()) {
      if (shown++ === room.whoPageSize) break
      whoLine(s, m)
    }
  } else {
    const m = room.findByNick(mask)
    if (m !== undefined) whoLine(s, m)
  }
  s.reply('315', [mask], 'End of /WHO list.')
  if (whole && room.size > room.whoPageSize) s.notice(`${channel} has ${groupDigits(room.size)} members here: WHO lists the first ${room.whoPageSize}`)
}

/** WHOIS nick → 311, 319, 312, 318; 401 then 318 for nobody. */
export function whois (s: IrcSession, nick: string): void {
  const { server, channel } = s.ctx
  const m = s.ctx.room.findByNick(nick)
  if (m === undefined) {
    s.reply('401', [nick], 'No such nick/channel')
  } else {
    s.reply('311', [m.nick, s.ctx.users.of(m), server, '*'], realname(s, m))
    s.reply('319', [m.nick], channel)
    s.reply('312', [m.nick, server], 'eventwire chat')
  }
  s.reply('318', [m?.nick ?? nick], 'End of /WHOIS list.')
}

/** CAP LS / LIST / REQ / END; 410 for any other subcommand. */
export function cap (s: IrcSession, sub: string, arg: string): void {
  const target = s.registered ? s.nick : '*'
  const line = (verb: string, text: string): void => { s.write(`:${s.ctx.server} CAP ${target} ${verb} :${text}\r\n`) }
  switch (sub.toUpperCase()) {
    case 'LS':
      s.holdRegistration(true)
      return line('LS', CAPABILITIES.join(' '))
    case 'LIST':
      return line('LIST', [...s.caps].join(' '))
    case 'REQ': {
      s.holdRegistration(true)
      const wanted = arg.split(' ').filter((c) => c !== '')
      // All or nothing, as the spec asks: one unknown capability refuses the whole request.
      if (wanted.length === 0 || !wanted.every((c) => (CAPABILITIES as readonly string[]).includes(c.replace(/^-/, '')))) return line('NAK', arg)
      for (const c of wanted) s.enableCap(c.replace(/^-/, ''), !c.startsWith('-'))
      return line('ACK', arg)
    }
    case 'END':
      return s.holdRegistration(false)
    default:
      s.reply('410', [sub], 'Invalid CAP command')
  }
}

/** Channel names compare in ascii case, as 005 says. */
export function sameName (a: string, b: string): boolean {
  return a.length === b.length && asciiLower(a) === asciiLower(b)
}

function asciiLower (text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase())
}
