import { describe, expect, it } from 'vitest'
import type { LineClient } from '@eventwire/testkit'
import { openedInTest, tcpJoin } from './helpers.js'
import { ircJoin, rawIrc, startIrcServer, type IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest<IrcStarted>()
const { clients, sockets } = opened

const MOTD = [
  ':eventwire 375 alice :- eventwire Message of the day - ',
  ':eventwire 372 alice :- One room for everybody: IRC, netcat and browser users alike, all in this channel.',
  ':eventwire 372 alice :- Others show how they are connected: nick!irc@, nick!tcp@ (netcat/telnet), nick!web@ (browser).',
  ':eventwire 372 alice :- There is one channel only; /msg NICK reaches anyone, whatever their client.',
  ':eventwire 376 alice :End of /MOTD command.'
]

/** 001 through the end of NAMES, as alice sees them with `online` members and these names. */
function registration (online: number, names: string): Array<string | RegExp> {
  return [
    `:eventwire 001 alice :Welcome to eventwire chat, alice! ${online} online, all in #eventwire: IRC, netcat and browser users alike`,
    ':eventwire 002 alice :Your host is eventwire, running version eventwire-chat',
    /^:eventwire 003 alice :This server was created \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    ':eventwire 004 alice eventwire eventwire-chat i bnt b',
    ':eventwire 005 alice CASEMAPPING=ascii CHANTYPES=# NICKLEN=24 CHANNELLEN=50 PREFIX=(ov)@+ CHANMODES=b,,,nt CHANLIMIT=#:1 NETWORK=eventwire UTF8ONLY :are supported by this server',
    ...MOTD,
    ':alice!irc@eventwire JOIN #eventwire',
    `:eventwire 353 alice = #eventwire :${names}`,
    ':eventwire 366 alice #eventwire :End of /NAMES list.'
  ]
}

async function expectLines (client: LineClient, expected: Array<string | RegExp>): Promise<void> {
  const got = await client.take(expected.length)
  expected.forEach((e, i) => { if (typeof e === 'string') expect(got[i]).toBe(e); else expect(got[i]).toMatch(e) })
}

/** A TCP member and a browser member, renamed, for the NAMES list. */
async function others (): Promise<{ tom: LineClient, wendy: WsClient }> {
  const tom = await tcpJoin(opened.started!.tcpPort, 'tom', clients)
  const wendy = await WsClient.connect(opened.started!.webPort)
  sockets.push(wendy)
  await wendy.waitFor('welcome')
  wendy.send({ type: 'nick', nick: 'wendy' })
  await wendy.waitFor('nick')
  await tom.waitFor(/known as wendy$/)
  return { tom, wendy }
}

describe('IRC registration, byte by byte', () => {
  it('without CAP: NICK + USER get 001-005, the MOTD, the JOIN, and NAMES of every member whatever its transport', async () => {
    opened.started = await startIrcServer()
    const { tom, wendy } = await others()
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('NICK alice\r\nUSER alice 0 * :Alice Liddell\r\n')
    await expectLines(alice, registration(3, 'tom wendy alice'))
    // Every line CRLF-terminated, and nothing else arrived (no topic, no history: there is none).
    alice.send('PING :marker')
    expect(await alice.next()).toBe(':eventwire PONG eventwire :marker')
    expect(alice.raw().toString().split('\r\n').slice(0, -1).every((l) => !l.includes('\n'))).toBe(true)
    // The others saw her arrive (as a guest first, then renamed: the room names every newcomer).
    expect(await tom.waitFor(/known as alice$/)).toMatch(/^\* guest-\w+ is now known as alice$/)
    expect(await wendy.waitFor((e) => e.type === 'nick' && e.to === 'alice')).toMatchObject({ type: 'nick' })
  })

  it('with CAP LS 302: registration waits for CAP END; REQ is all or nothing; server-time tags what the client gets', async () => {
    opened.started = await startIrcServer()
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('CAP LS 302\r\nNICK alice\r\nUSER alice 0 * :Alice\r\n')
    expect(await alice.next()).toBe(':eventwire CAP * LS :server-time echo-message')
    // Held: NICK and USER are in, but no 001 before CAP END.
    alice.write('PING :held\r\nCAP REQ :sasl server-time\r\nCAP REQ :server-time\r\nCAP LIST\r\nCAP BOGUS\r\n')
    expect(await alice.take(5)).toEqual([
      ':eventwire PONG eventwire :held',
      ':eventwire CAP * NAK :sasl server-time',
      ':eventwire CAP * ACK :server-time',
      ':eventwire CAP * LIST :server-time',
      ':eventwire 410 * BOGUS :Invalid CAP command'
    ])
    alice.write('CAP END\r\n')
    await expectLines(alice, registration(1, 'alice'))
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    tom.send('hi alice')
    expect(await alice.waitFor(/PRIVMSG/)).toMatch(/^@time=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z :tom!tcp@eventwire PRIVMSG #eventwire :hi alice$/)
  })

  it('451 for what needs registration; PASS is ignored (no auth is configured); 421 once registered', async () => {
    opened.started = await startIrcServer()
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('PASS secret\r\nWHO #eventwire\r\nPRIVMSG #eventwire :too early\r\nFOO bar\r\nJOIN #eventwire\r\nUSER a\r\n')
    expect(await alice.take(5)).toEqual([
      ':eventwire 451 * :You have not registered',
      ':eventwire 451 * :You have not registered',
      ':eventwire 451 * :You have not registered',
      ':eventwire 451 * :You have not registered',
      ':eventwire 461 * USER :Not enough parameters'
    ])
    alice.write('NICK alice\r\nUSER alice 0 * :Alice\r\n')
    await alice.waitFor(/ 366 /)
    alice.write('FOO bar\r\nUSER again 0 * :x\r\nPASS late\r\n')
    expect(await alice.take(3)).toEqual([
      ':eventwire 421 alice FOO :Unknown command',
      ':eventwire 462 alice :You may not reregister',
      ':eventwire 462 alice :You may not reregister'
    ])
    expect(opened.started.server.room.history()).toEqual([])
  })

  it('NICK: 433 for a nick in use (also a look-alike), 432 for an invalid one, before and after registration', async () => {
    opened.started = await startIrcServer()
    await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('NICK TOM\r\nNICK tοm\r\nNICK al!ce\r\nNICK #alice\r\nNICK\r\n')
    expect(await alice.take(5)).toEqual([
      ':eventwire 433 * TOM :Nickname is already in use',
      ':eventwire 433 * tοm :Nickname is already in use', // Greek omicron: the room's look-alike rule
      ':eventwire 432 * al!ce :Erroneous nickname: a nickname cannot contain ! (IRC, where everyone is seen too, reserves , * ? ! @)',
      ':eventwire 432 * #alice :Erroneous nickname: a nickname cannot start with # (IRC reserves # & $ : + % ~ there)',
      ':eventwire 431 * :No nickname given'
    ])
    alice.write('NICK alice\r\nUSER alice 0 * :Alice\r\n')
    await alice.waitFor(/ 366 /)
    alice.write('NICK tom\r\nNICK bad,nick\r\nNICK Alice\r\n')
    expect(await alice.take(3)).toEqual([
      ':eventwire 433 alice tom :Nickname is already in use',
      ':eventwire 432 alice bad,nick :Erroneous nickname: a nickname cannot contain , (IRC, where everyone is seen too, reserves , * ? ! @)',
      ':alice!irc@eventwire NICK :Alice'
    ])
  })

  it('a nick taken between NICK and the end of registration gets 433 and registration waits for another', async () => {
    opened.started = await startIrcServer()
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('CAP LS 302\r\nNICK tom\r\nUSER alice 0 * :Alice\r\n')
    await alice.next()
    await tcpJoin(opened.started.tcpPort, 'tom', clients)
    alice.write('CAP END\r\n')
    expect(await alice.next()).toBe(':eventwire 433 * tom :Nickname is already in use')
    alice.write('NICK alice\r\n')
    expect(await alice.next()).toMatch(/^:eventwire 001 alice :/)
  })

  it('the topic (332 on join, TOPIC), 331 without one, and 422 when the MOTD is empty', async () => {
    opened.started = await startIrcServer({ ircTopic: 'netcat, browsers and IRC in one room', ircMotd: '' })
    const alice = await rawIrc(opened.started.ircPort, clients)
    alice.write('NICK alice\r\nUSER alice 0 * :Alice\r\n')
    await alice.waitFor(/ 005 /)
    expect(await alice.take(4)).toEqual([
      ':eventwire 422 alice :MOTD File is missing',
      ':alice!irc@eventwire JOIN #eventwire',
      ':eventwire 332 alice #eventwire :netcat, browsers and IRC in one room',
      ':eventwire 353 alice = #eventwire :alice'
    ])
    alice.write('TOPIC #eventwire\r\nTOPIC #eventwire :mine now\r\n')
    expect(await alice.waitFor(/ 332 /)).toBe(':eventwire 332 alice #eventwire :netcat, browsers and IRC in one room')
    expect(await alice.next()).toBe(":eventwire 482 alice #eventwire :You're not channel operator")
    await opened.started.server.close()
    opened.started = await startIrcServer()
    const bob = await ircJoin(opened.started.ircPort, 'bob', clients)
    bob.write('TOPIC #EventWire\r\n')
    expect(await bob.next()).toBe(':eventwire 331 bob #eventwire :No topic is set')
  })
})

describe('IRC numerics once registered', () => {
  it('MODE, WHO, WHOIS, NAMES, LIST, JOIN and PART of other channels, PING: each answered as irssi and weechat expect', async () => {
    opened.started = await startIrcServer()
    await others()
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    const ask = async (line: string, count: number): Promise<string[]> => { alice.write(line + '\r\n'); return await alice.take(count) }
    expect(await ask('MODE alice +i', 1)).toEqual([':eventwire 221 alice +i'])
    expect(await ask('MODE alice', 1)).toEqual([':eventwire 221 alice +i'])
    expect(await ask('MODE tom +i', 1)).toEqual([":eventwire 502 alice :Can't change mode for other users"])
    expect(await ask('MODE nobody', 1)).toEqual([':eventwire 401 alice nobody :No such nick/channel'])
    expect(await ask('MODE #eventwire', 1)).toEqual([':eventwire 324 alice #eventwire +nt'])
    expect(await ask('MODE #eventwire b', 1)).toEqual([':eventwire 368 alice #eventwire :End of channel ban list'])
    expect(await ask('MODE #eventwire +o tom', 1)).toEqual([":eventwire 482 alice #eventwire :You're not channel operator"])
    expect(await ask('MODE #elsewhere', 1)).toEqual([':eventwire 403 alice #elsewhere :No such channel'])
    expect(await ask('WHO #eventwire', 4)).toEqual([
      ':eventwire 352 alice #eventwire tcp eventwire eventwire tom H :0 netcat/telnet user',
      ':eventwire 352 alice #eventwire web eventwire eventwire wendy H :0 browser user',
      ':eventwire 352 alice #eventwire irc eventwire eventwire alice H :0 IRC user',
      ':eventwire 315 alice #eventwire :End of /WHO list.'
    ])
    expect(await ask('WHO wendy', 2)).toEqual([':eventwire 352 alice #eventwire web eventwire eventwire wendy H :0 browser user', ':eventwire 315 alice wendy :End of /WHO list.'])
    expect(await ask('WHOIS tom', 4)).toEqual([
      ':eventwire 311 alice tom tcp eventwire * :netcat/telnet user',
      ':eventwire 319 alice tom :#eventwire',
      ':eventwire 312 alice tom eventwire :eventwire chat',
      ':eventwire 318 alice tom :End of /WHOIS list.'
    ])
    expect(await ask('WHOIS nobody', 2)).toEqual([':eventwire 401 alice nobody :No such nick/channel', ':eventwire 318 alice nobody :End of /WHOIS list.'])
    expect(await ask('NAMES #eventwire', 2)).toEqual([':eventwire 353 alice = #eventwire :tom wendy alice', ':eventwire 366 alice #eventwire :End of /NAMES list.'])
    expect(await ask('LIST', 3)).toEqual([':eventwire 321 alice Channel :Users  Name', ':eventwire 322 alice #eventwire 3 :', ':eventwire 323 alice :End of /LIST'])
    expect(await ask('JOIN #other,#eventwire', 1)).toEqual([':eventwire 403 alice #other :No such channel'])
    expect(await ask('PART #other', 1)).toEqual([':eventwire 403 alice #other :No such channel'])
    expect(await ask('PRIVMSG #other :hi', 1)).toEqual([':eventwire 403 alice #other :No such channel'])
    expect(await ask('PRIVMSG nobody :hi', 1)).toEqual([':eventwire 401 alice nobody :No such nick/channel'])
    expect(await ask('PRIVMSG', 1)).toEqual([':eventwire 411 alice :No recipient given (PRIVMSG)'])
    expect(await ask('PRIVMSG tom', 1)).toEqual([':eventwire 412 alice :No text to send'])
    expect(await ask('PING', 1)).toEqual([':eventwire 409 alice :No origin specified'])
    expect(await ask('MODE', 1)).toEqual([':eventwire 461 alice MODE :Not enough parameters'])
    // A NOTICE never gets an error back (bots must not loop): the next line answers the PING.
    expect(await ask('NOTICE nobody :hi\r\nPING :after', 1)).toEqual([':eventwire PONG eventwire :after'])
  })
})
