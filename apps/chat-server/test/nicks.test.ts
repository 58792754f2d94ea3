import { describe, expect, it } from 'vitest'
import { checkNick, nickKey } from '../src/index.js'
import { openedInTest, startServer, tcpJoin } from './helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest()
const { clients, sockets } = opened

const LOOK_ALIKES = [
  'аlice', // Cyrillic а (U+0430)
  'аlісе', // Cyrillic а, і, с, е
  'ɑlice', // Latin alpha (U+0251)
  'ａｌｉｃｅ', // full-width
  'ALICE'
]
const INVISIBLE = ['alice\u034f', 'alice\ufe0f', 'alice\u3164', 'alice\u2800', 'alice\u115f', 'alice\u1160', 'alice\uffa0', 'alice\u180e', 'alice\u17b4', 'alice\u17b5']

describe('nickKey: look-alikes are the same nickname', () => {
  it('folds case, full-width forms and confusables (UTS #39 skeleton)', () => {
    for (const nick of LOOK_ALIKES) expect(nickKey(nick)).toBe(nickKey('alice'))
    expect(nickKey('b0b')).toBe(nickKey('bob'))
    expect(nickKey('alice\u034f')).toBe(nickKey('alice'))
    expect(nickKey('bob')).not.toBe(nickKey('alice'))
    expect(nickKey('Zoë')).not.toBe(nickKey('Zoe'))
  })

  it('refuses default-ignorable and blank code points, naming the one found', () => {
    for (const nick of INVISIBLE) expect(checkNick(nick)).toEqual({ ok: false, reason: expect.stringMatching(/^a nickname cannot contain invisible or blank characters \(found U\+[0-9A-F]{4}\)$/) })
    expect(checkNick('\u3164')).toMatchObject({ ok: false })
    expect(checkNick('Zoë_42')).toEqual({ ok: true, nick: 'Zoë_42' })
    expect(checkNick('❤')).toEqual({ ok: true, nick: '❤' })
  })
})

describe('impersonating a member over the wire', () => {
  it('refuses look-alike and invisible-character copies of a present nickname, over TCP and WebSocket', async () => {
    opened.started = await startServer({ rateLimit: { burst: 100, perSecond: 100 } })
    await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const mallory = await tcpJoin(opened.started.tcpPort, 'mallory', clients)
    for (const nick of LOOK_ALIKES) {
      mallory.send(`/nick ${nick}`)
      expect(await mallory.next()).toBe('! the nickname alice is taken; choose another')
    }
    for (const nick of INVISIBLE) {
      mallory.send(`/nick ${nick}`)
      // Format characters (U+180E) are already dropped from every TCP line, leaving a plain `alice`.
      const expected = /\p{Cf}/u.test(nick) ? /^! the nickname alice is taken/ : /^! a nickname cannot contain invisible or blank characters \(found U\+/
      expect(await mallory.next()).toMatch(expected)
    }
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    await web.waitFor('welcome')
    for (const nick of ['аlісе', 'alice\u034f', 'al\u200bice']) {
      web.send({ type: 'nick', nick })
      expect(await web.waitFor('error')).toMatchObject({ code: expect.stringMatching(/^(NICK_TAKEN|BAD_NICK)$/) })
    }
    web.send({ type: 'who' })
    expect((await web.waitFor('who')).nicks).toEqual(['alice', 'mallory', expect.stringMatching(/^guest-/)])
    // /msg to a look-alike reaches the real alice: there is only one.
    expect(opened.started.server.room.findByNick('аlісе')?.nick).toBe('alice')
  })

  it('cleans a nickname once, where it enters, the same over WebSocket as over TCP', async () => {
    opened.started = await startServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    const { nick: guest } = await web.waitFor('welcome')
    // A zero-width space is a format character: dropped from the request as from a TCP line.
    web.send({ type: 'nick', nick: 'we\u200bs' })
    expect(await web.waitFor('nick')).toMatchObject({ from: guest, to: 'wes' })
    expect(await tom.waitFor(/known as/)).toBe(`* ${guest as string} is now known as wes`)
    // What cleaning keeps, checkNick still refuses: a combining grapheme joiner.
    web.send({ type: 'nick', nick: 'wes\u034fley' })
    expect(await web.waitFor('error')).toMatchObject({ code: 'BAD_NICK', text: expect.stringContaining('(found U+034F)') })
  })

  it('strips invisible format characters from messages, keeping emoji joined', async () => {
    opened.started = await startServer()
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    await web.waitFor('welcome')
    await alice.waitFor(/joined$/)
    bob.send('a\u200eb\u200fc\u061cd e\u2028f\u2029g h\u200bi\u200dj \u2060\u2061\u2062\u2063\u2064\ufeff family 👨\u200d👩\u200d👧')
    const line = await alice.waitFor(/^<bob>/)
    expect(line).toBe('<bob> abcd e f g hij  family 👨\u200d👩\u200d👧')
    expect(await web.waitFor('message')).toMatchObject({ text: 'abcd e f g hij  family 👨\u200d👩\u200d👧' })
    expect(opened.started.server.room.history()[0]?.text).toBe('abcd e f g hij  family 👨\u200d👩\u200d👧')
  })
})
