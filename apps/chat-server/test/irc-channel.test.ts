import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { openedInTest, tcpJoin } from './helpers.js'
import { ircJoin, rawIrc, startIrcServer, type IrcStarted } from './irc-helpers.js'

const opened = openedInTest<IrcStarted>()
const { clients } = opened

describe('the IRC channel is the room', () => {
  it('other members appear as nick!tcp@, nick!web@, nick!irc@eventwire in JOIN, PRIVMSG, NICK and QUIT', async () => {
    opened.started = await startIrcServer()
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    expect(await alice.take(2)).toEqual([expect.stringMatching(/^:guest-\w+!tcp@eventwire JOIN #eventwire$/), expect.stringMatching(/^:guest-\w+!tcp@eventwire NICK :tom$/)])
    const bob = await ircJoin(opened.started.ircPort, 'bob', clients)
    expect(await alice.take(2)).toEqual([expect.stringMatching(/^:guest-\w+!irc@eventwire JOIN #eventwire$/), expect.stringMatching(/^:guest-\w+!irc@eventwire NICK :bob$/)])
    bob.write('PRIVMSG #eventwire :hi\r\nPRIVMSG alice :just you\r\n')
    expect(await alice.take(2)).toEqual([':bob!irc@eventwire PRIVMSG #eventwire :hi', ':bob!irc@eventwire PRIVMSG alice :just you'])
    expect(await tom.waitFor(/^<bob>/)).toBe('<bob> hi')
    await tom.close()
    // The leave comes after tom is gone from the room: its user part was remembered.
    expect(await alice.next()).toBe(':tom!tcp@eventwire QUIT :connection closed')
    bob.write('QUIT :see you\r\n')
    expect(await bob.waitFor(/^ERROR/)).toBe('ERROR :Closing link: bob (quit: see you)')
    expect(await alice.next()).toBe(':bob!irc@eventwire QUIT :quit: see you')
  })

  it('PART leaves the room, JOIN comes back; NICK while out is kept for the next JOIN', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    alice.write('PART #eventwire :brb\r\n')
    expect(await alice.next()).toBe(':alice!irc@eventwire PART #eventwire :brb')
    expect(await tom.waitFor(/left/)).toBe('* alice left (part: brb)')
    alice.write('PRIVMSG #eventwire :anyone?\r\nPART #eventwire\r\nNICK alicia\r\nJOIN #eventwire\r\n')
    expect(await alice.take(6)).toEqual([
      ':eventwire 404 alice #eventwire :Cannot send: you are not in #eventwire; JOIN #eventwire',
      ":eventwire 442 alice #eventwire :You're not on that channel",
      ':alice!irc@eventwire NICK :alicia',
      ':alicia!irc@eventwire JOIN #eventwire',
      ':eventwire 353 alicia = #eventwire :tom alicia',
      ':eventwire 366 alicia #eventwire :End of /NAMES list.'
    ])
    // JOIN of the channel it is in: nothing, as on any server (the PONG proves nothing came before it).
    alice.write('JOIN #eventwire\r\nPING :after\r\n')
    expect(await alice.next()).toBe(':eventwire PONG eventwire :after')
    expect(await tom.waitFor(/known as alicia$/)).toMatch(/^\* guest-\w+ is now known as alicia$/)
    expect(opened.started.server.room.history()).toEqual([])
  })

  it('echo-message, when negotiated, gives the client its own messages back; a private /me is refused, other CTCP dropped', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('CAP LS 302\r\nCAP REQ :echo-message\r\nNICK alice\r\nUSER alice 0 * :Alice\r\nCAP END\r\n')
    await alice.waitFor(/ 366 /)
    alice.write('PRIVMSG #eventwire :echoed\r\nPRIVMSG tom :to tom\r\nPRIVMSG tom :\x01ACTION pokes\x01\r\nPRIVMSG tom :\x01VERSION\x01\r\nPING :end\r\n')
    expect(await alice.take(4)).toEqual([
      ':alice!irc@eventwire PRIVMSG #eventwire :echoed',
      ':alice!irc@eventwire PRIVMSG tom :to tom',
      ':eventwire NOTICE alice :a private /me is not supported here; tom did not get it (send a message instead)',
      ':eventwire PONG eventwire :end'
    ])
    expect(await tom.waitFor(/^<alice>/)).toBe('<alice> echoed')
    expect(await tom.next()).toBe('[private] <alice> to tom')
    tom.send('marker')
    expect(await alice.next()).toBe(':tom!tcp@eventwire PRIVMSG #eventwire :marker')
  })

  it('the channel name is configurable (ircChannel); then #eventwire is just another channel', async () => {
    opened.started = await startIrcServer({ ircChannel: '#lobby' })
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('NICK alice\r\nUSER alice 0 * :Alice\r\n')
    expect(await alice.waitFor(/ JOIN /)).toBe(':alice!irc@eventwire JOIN #lobby')
    expect(await alice.next()).toBe(':eventwire 353 alice = #lobby :alice')
    alice.write('JOIN #eventwire\r\nPRIVMSG #LOBBY :case-insensitive\r\n')
    expect(await alice.waitFor(/ 403 /)).toBe(':eventwire 403 alice #eventwire :No such channel')
    await waitUntil(() => opened.started?.server.room.history()[0]?.text === 'case-insensitive', 'the message to #LOBBY in the room')
  })

  it('NOTICE to the channel is a message, and a netcat user\'s /who or /help reaches an IRC user as NOTICEs', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    alice.write('NOTICE #eventwire :a bot says hi\r\n')
    expect(await tom.waitFor(/^<alice>/)).toBe('<alice> a bot says hi')
    alice.write('PRIVMSG tom :/who\r\n')
    expect(await tom.waitFor(/^\[private\]/)).toBe('[private] <alice> /who')
  })
})
