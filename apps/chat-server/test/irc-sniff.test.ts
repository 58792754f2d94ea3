import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { notIrcLine, sniffIrc } from '../src/tcp/irc-sniff.js'
import { openedInTest, startServer, tcpJoin } from './helpers.js'
import { WsClient } from './ws-client.js'

describe('sniffIrc', () => {
  it('recognises the handshakes IRC clients open with', () => {
    expect(sniffIrc('CAP LS 302')).toBe('irc') // irssi, weechat, HexChat
    expect(sniffIrc('CAP LS')).toBe('irc')
    expect(sniffIrc('CAP REQ :sasl')).toBe('irc')
    expect(sniffIrc('CAP END')).toBe('irc')
    expect(sniffIrc('PASS hunter2')).toBe('irc')
    expect(sniffIrc('PASS :two words')).toBe('irc')
    expect(sniffIrc('NICK tester3')).toBe('wait')
    expect(sniffIrc('NICK tester3', 'USER tester3 0 * :tester3')).toBe('irc')
    expect(sniffIrc('NICK :tester3', 'USER u host server :Real Name')).toBe('irc')
  })

  it('leaves what people type to the room', () => {
    expect(sniffIrc('hello')).toBe('chat')
    expect(sniffIrc('/nick bob')).toBe('chat')
    expect(sniffIrc('cap ls 302')).toBe('chat')
    expect(sniffIrc('CAP is a hat')).toBe('chat')
    expect(sniffIrc('PASS the salt')).toBe('chat')
    expect(sniffIrc('NICK')).toBe('chat')
    expect(sniffIrc('NICK is here now')).toBe('chat')
    expect(sniffIrc('NICK bob', 'hello')).toBe('chat')
    expect(sniffIrc('NICK bob', 'USER')).toBe('chat')
    expect(sniffIrc('')).toBe('chat')
  })

  it('answers with one IRC ERROR line, ready to name the IRC port', () => {
    expect(notIrcLine()).toBe("ERROR :this is eventwire chat's plain-text port, not IRC; connect with nc or telnet\r\n")
    expect(notIrcLine(6667)).toMatch(/; IRC is on port 6667\r\n$/)
  })
})

const opened = openedInTest()
const { clients, sockets } = opened

/** A TCP member and a ws member, both past their own joins, watching the room. */
async function watchers (options = {}): Promise<{ tom: LineClient, wendy: WsClient }> {
  opened.started = await startServer(options)
  const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
  const wendy = await WsClient.connect(opened.started.webPort)
  sockets.push(wendy)
  const welcome = await wendy.waitFor('welcome')
  wendy.send({ type: 'nick', nick: 'wendy' })
  await wendy.waitFor('nick')
  await tom.waitFor(`* ${welcome.nick as string} is now known as wendy`)
  return { tom, wendy }
}

/** Proves the room heard nothing before now: the watchers' next lines are these markers. */
async function expectNothingSeen (tom: LineClient, wendy: WsClient): Promise<void> {
  expect(opened.started?.server.room.history()).toEqual([])
  expect(opened.started?.server.room.size).toBe(2)
  wendy.send({ type: 'message', text: 'marker from wendy' })
  expect(await tom.next()).toBe('<wendy> marker from wendy')
  // Wendy's own line comes back to her (the page's echo): nothing reached her before it either.
  expect(await wendy.next()).toMatchObject({ type: 'message', from: 'wendy', text: 'marker from wendy' })
  tom.send('marker from tom')
  expect(await wendy.next()).toMatchObject({ type: 'message', from: 'tom', text: 'marker from tom' })
}

describe('an IRC client on the plain-text port', () => {
  it.each([
    ['weechat', 'CAP LS 302\r\nNICK tester3\r\nUSER tester3 0 * :tester3\r\n'],
    ['irssi (CAP LS alone, then waiting)', 'CAP LS 302\r\n'],
    ['an older client (NICK then USER)', 'NICK tester3\r\nUSER tester3 0 * :tester3\r\n'],
    ['a client with a password', 'PASS secret\r\nNICK tester3\r\nUSER tester3 0 * :tester3\r\n']
  ])('%s is told this is not IRC and closed; the room hears nothing', async (_client, handshake) => {
    const { tom, wendy } = await watchers()
    const irc = await LineClient.connect(opened.started!.tcpPort)
    clients.push(irc)
    await irc.waitFor(/^\* Welcome/)
    irc.write(handshake)
    expect(await irc.waitFor(/^ERROR/)).toBe("ERROR :this is eventwire chat's plain-text port, not IRC; connect with nc or telnet")
    await irc.closed
    expect(irc.lines.filter((l) => !l.startsWith('* Welcome'))).toHaveLength(1)
    await waitUntil(() => opened.started?.server.tcp.connections === 1, 'the server side of the IRC connection to close')
    await expectNothingSeen(tom, wendy)
  })

  it('a person whose first line is NICK is still a person: the line is held, then sent', async () => {
    const { tom, wendy } = await watchers()
    const nc = await LineClient.connect(opened.started!.tcpPort)
    clients.push(nc)
    const guest = /chat, (guest-\w+)!/.exec(await nc.waitFor(/^\* Welcome/))?.[1] as string
    nc.write('NICK is my favourite word\nNICK bob\nhello\n')
    expect(await tom.take(4)).toEqual([`* ${guest} joined`, `<${guest}> NICK is my favourite word`, `<${guest}> NICK bob`, `<${guest}> hello`])
    expect(await wendy.waitFor('message')).toMatchObject({ text: 'NICK is my favourite word' })
  })

  it('a held NICK line is sent when the sniff window ends without USER', async () => {
    const { tom } = await watchers({ joinSniffMs: 50 })
    const nc = await LineClient.connect(opened.started!.tcpPort)
    clients.push(nc)
    const guest = /chat, (guest-\w+)!/.exec(await nc.waitFor(/^\* Welcome/))?.[1] as string
    nc.write('NICK bob\n')
    expect(await tom.take(2)).toEqual([`* ${guest} joined`, `<${guest}> NICK bob`])
  })

  it('a silent nc user is announced when the window ends; one that leaves before is never announced', async () => {
    const { tom, wendy } = await watchers({ joinSniffMs: 50 })
    const silent = await LineClient.connect(opened.started!.tcpPort)
    clients.push(silent)
    const guest = /chat, (guest-\w+)!/.exec(await silent.waitFor(/^\* Welcome/))?.[1] as string
    expect(await tom.next()).toBe(`* ${guest} joined`)
    expect(await wendy.next()).toMatchObject({ type: 'join', nick: guest })
    await silent.close()
    expect(await tom.next()).toBe(`* ${guest} left (connection closed)`)
    await wendy.next()
  })

  it('a connection that closes before its first line is never announced (port scanners, health checks)', async () => {
    const { tom, wendy } = await watchers({ joinSniffMs: 60_000 })
    const probe = await LineClient.connect(opened.started!.tcpPort)
    await probe.waitFor(/^\* Welcome/)
    await probe.close()
    await waitUntil(() => opened.started?.server.tcp.connections === 1, 'the probe to be gone')
    await expectNothingSeen(tom, wendy)
  })
})
