/**
 * IRC clients (irssi, weechat, HexChat) pointed at the plain-text port open
 * with a handshake that would otherwise reach the room as chat lines, and
 * again every time the client retries. These decide, from a connection's
 * first line or two, whether the peer is such a client.
 */

/** `irc`: turn it away. `chat`: a person (or script) typing chat lines. `wait`: need the next line. */
export type SniffVerdict = 'irc' | 'chat' | 'wait'

// Capability negotiation (IRCv3), sent first by every modern client: `CAP LS 302`.
const CAP = /^CAP (?:LS|REQ|LIST|END)(?: |$)/
// A connection password: one word, or an IRC trailing parameter.
const PASS = /^PASS (?::.*|\S+)$/
// `NICK name` is also something a person could type; only `USER` right after it settles it.
const NICK = /^NICK :?\S+$/
const USER = /^USER \S+ \S+ \S+ \S/

/**
 * Judges the first line of a connection (`second`: the line after it, once
 * `wait` asked for it). Upper-case commands only, as clients send them, so a
 * person typing "cap ls" or "pass the salt" is still chatting.
 */
export function sniffIrc (first: string, second?: string): SniffVerdict {
  if (CAP.test(first) || PASS.test(first)) return 'irc'
  if (!NICK.test(first)) return 'chat'
  if (second === undefined) return 'wait'
  return USER.test(second) ? 'irc' : 'chat'
}

/** The one line an IRC client gets before we close; IRC clients show `ERROR` as the reason for the close. */
export function notIrcLine (ircPort?: number): string {
  const where = ircPort === undefined ? '' : `; IRC is on port ${ircPort}`
  return `ERROR :this is eventwire chat's plain-text port, not IRC; connect with nc or telnet${where}\r\n`
}
