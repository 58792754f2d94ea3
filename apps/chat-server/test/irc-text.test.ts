import { describe, expect, it } from 'vitest'
import { checkNick } from '../src/index.js'
import { fitText, ircLine, parseIrcLine } from '../src/irc/irc-message.js'
import { parseCtcp, stripFormatting } from '../src/irc/irc-text.js'
import { openedInTest, tcpJoin } from './helpers.js'
import { ircJoin, rawIrc, startIrcServer, type IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest<IrcStarted>()
const { clients, sockets } = opened

/** Every CRLF-terminated line of `raw` is at most 512 bytes and valid UTF-8 (no character cut in two). */
function expectWellFormed (raw: Buffer): string[] {
  const lines: string[] = []
  let start = 0
  for (let end = raw.indexOf('\r\n'); end !== -1; end = raw.indexOf('\r\n', start)) {
    const bytes = raw.subarray(start, end)
    expect(bytes.length + 2).toBeLessThanOrEqual(512)
    const text = bytes.toString('utf8')
    expect(Buffer.from(text).equals(bytes)).toBe(true) // a cut sequence would decode to U+FFFD and re-encode differently
    lines.push(text)
    start = end + 2
  }
  return lines
}

describe('parseIrcLine', () => {
  it('reads tags, a source, parameters and the trailing parameter; never throws', () => {
    expect(parseIrcLine('PRIVMSG #eventwire :hello there')).toEqual({ command: 'PRIVMSG', params: ['#eventwire', 'hello there'] })
    expect(parseIrcLine('@label=1;+draft/x :nick!u@h privmsg  #c   :: two')).toEqual({ command: 'PRIVMSG', params: ['#c', ': two'] })
    expect(parseIrcLine('USER u 0 * :')).toEqual({ command: 'USER', params: ['u', '0', '*', ''] })
    expect(parseIrcLine('NICK a\rb\0c')).toEqual({ command: 'NICK', params: ['abc'] })
    expect(parseIrcLine('X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17')?.params).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15 16 17'])
    for (const empty of ['', '   ', '@tag', ':source', '@t :s ']) expect(parseIrcLine(empty)).toBeUndefined()
  })

  it('cuts an over-long line it builds at 512 bytes, on a character boundary', () => {
    const line = ircLine('eventwire', '401', ['alice', 'é'.repeat(400)], 'No such nick/channel')
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(512)
    expect(line.endsWith('é\r\n')).toBe(true)
  })
})

describe('fitText: 512-byte lines', () => {
  const head = ':alice!web@eventwire PRIVMSG #eventwire :'
  it.each([
    ['2-byte', 'é'],
    ['3-byte', '€'],
    ['4-byte', '🎉'],
    ['mixed, every alignment', 'aé€🎉']
  ])('splits %s characters without cutting one, and loses nothing', (_name, unit) => {
    for (let pad = 0; pad < 4; pad++) {
      const text = 'x'.repeat(pad) + unit.repeat(Math.ceil(2000 / unit.length))
      const lines = fitText(head, text)
      expect(lines.length).toBeGreaterThan(1)
      const bodies = expectWellFormed(Buffer.from(lines.join('')))
      expect(bodies.every((l) => l.startsWith(head))).toBe(true)
      expect(bodies.map((l) => l.slice(head.length)).join('')).toBe(text)
      // Full lines: each is cut within 3 bytes of the limit (the size of the character that did not fit).
      for (const l of lines.slice(0, -1)) expect(Buffer.byteLength(l)).toBeGreaterThan(512 - 4)
    }
  })

  it('ends a piece at a space when one is near the end, and keeps an ACTION\'s closing \\x01 on every piece', () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ')
    const lines = fitText(head + '\x01ACTION ', words, '\x01')
    const bodies = expectWellFormed(Buffer.from(lines.join('')))
    expect(bodies.every((l) => l.startsWith(head + '\x01ACTION ') && l.endsWith('\x01'))).toBe(true)
    expect(bodies.map((l) => l.slice(head.length + 8, -1)).join(' ')).toBe(words)
  })
})

describe('IRC text', () => {
  it('strips formatting codes (bold, colours, hex colours, italics, reset) and reads CTCP', () => {
    expect(stripFormatting('\x02bold\x02 \x0304,12red on blue\x03 \x03999x \x04ff0000hex\x04 \x1ditalic\x1d\x0f \x1funder\x1e\x11\x16')).toBe('bold red on blue 9x hex italic under')
    expect(parseCtcp('\x01ACTION waves\x01')).toEqual({ command: 'ACTION', text: 'waves' })
    expect(parseCtcp('\x01action waves')).toEqual({ command: 'ACTION', text: 'waves' })
    expect(parseCtcp('\x01VERSION\x01')).toEqual({ command: 'VERSION', text: '' })
    expect(parseCtcp('hello')).toBeUndefined()
  })

  it('a long multi-byte message from a netcat user reaches IRC as 512-byte lines, whole characters, nothing lost', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    const text = 'déjà vu € 🎉 '.repeat(150).trim() // 1949 characters, 3448 bytes
    tom.send(text)
    await alice.waitFor((l) => l.endsWith('🎉') && l.includes('PRIVMSG'))
    const lines = expectWellFormed(alice.raw()).filter((l) => l.startsWith(':tom!tcp@eventwire PRIVMSG #eventwire :'))
    expect(lines.length).toBeGreaterThanOrEqual(7)
    expect(lines.map((l) => l.slice(':tom!tcp@eventwire PRIVMSG #eventwire :'.length)).join(' ')).toBe(text)
  })

  it('formatting from an IRC user is stripped for everyone; a line starting with / stays a message', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    alice.write('PRIVMSG #eventwire :\x02bold\x02 and \x0304red\x03\r\nPRIVMSG #eventwire :/who is there?\r\n')
    expect(await tom.waitFor(/^<alice>/)).toBe('<alice> bold and red')
    expect(await tom.waitFor(/^<alice>/)).toBe('<alice> /who is there?')
    expect(opened.started.server.room.history().map((m) => m.text)).toEqual(['bold and red', '/who is there?'])
  })
})

describe('nicknames are IRC nicknames, whatever the transport', () => {
  it('checkNick refuses , * ? ! @ anywhere and # & $ : + % ~ first; Unicode and IRC specials stay fine', () => {
    for (const nick of ['a,b', 'a*', 'who?', 'hey!', 'a@b']) expect(checkNick(nick)).toMatchObject({ ok: false, reason: expect.stringMatching(/^a nickname cannot contain [,*?!@] /) })
    for (const nick of ['#alice', '&alice', '$alice', ':alice', '+alice', '%alice', '~alice']) expect(checkNick(nick)).toMatchObject({ ok: false, reason: expect.stringMatching(/^a nickname cannot start with /) })
    for (const nick of ['Zoë_42', '[bob]', '{carol}', 'a-b', 'j.doe', 'back\\slash', 'x^y', '❤', 'al#ice', 'a+b']) expect(checkNick(nick)).toEqual({ ok: true, nick })
  })

  it('over TCP and WebSocket too, so an IRC user can always parse everyone\'s nick!user@host', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    tom.send('/nick t@m')
    expect(await tom.next()).toBe('! a nickname cannot contain @ (IRC, where everyone is seen too, reserves , * ? ! @)')
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    await web.waitFor('welcome')
    web.send({ type: 'nick', nick: '#web' })
    expect(await web.waitFor('error')).toMatchObject({ code: 'BAD_NICK', text: 'a nickname cannot start with # (IRC reserves # & $ : + % ~ there)' })
    const irc = await rawIrc(opened.started.ircPort, clients)
    irc.write('NICK a*b\r\n')
    expect(await irc.next()).toMatch(/^:eventwire 432 \* a\*b :Erroneous nickname: a nickname cannot contain \*/)
  })
})
