import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import type { AppLogger } from '@eventwire/protocol'
import { readConfig } from '@eventwire/service'
import { chatConfigSpecs } from '../src/config.js'
import { createChatServer, DEFAULT_IRC_CHANNEL } from '../src/index.js'
import { openedInTest, tcpJoin } from './helpers.js'
import { ircJoin, rawIrc, startIrcServer, type IrcStarted } from './irc-helpers.js'

const opened = openedInTest<IrcStarted>()
const { clients } = opened

describe('IRC liveness: one PING timer for every client', () => {
  it('PINGs every client; one that answers stays, one that stops answering is dropped and the room told', async () => {
    // Long enough that live's PONGs, on a busy machine, always beat the next tick.
    opened.started = await startIrcServer({ heartbeatIntervalMs: 400 })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const live = await ircJoin(opened.started.ircPort, 'live', clients)
    const dead = await ircJoin(opened.started.ircPort, 'dead', clients)
    // live answers every PING, as irssi and weechat do.
    let pongs = 0
    live.socket.on('data', (chunk: Buffer) => { if (chunk.includes('PING :eventwire')) { pongs++; live.send('PONG :eventwire') } })
    expect(await dead.waitFor(/^PING /)).toBe('PING :eventwire')
    // dead never answers: cut at the next tick, no goodbye (it is not reading anyway).
    await dead.closed
    expect(await tom.waitFor(/^\* dead left/)).toBe('* dead left (no answer to ping)')
    await waitUntil(() => live.lines.includes(':dead!irc@eventwire QUIT :no answer to ping'), 'live to see dead quit')
    await waitUntil(() => pongs >= 2, 'live to have answered two PINGs')
    expect(live.isClosed).toBe(false)
    expect(opened.started.server.room.findByNick('live')).toBeDefined()
    expect(opened.started.server.room.findByNick('dead')).toBeUndefined()
  })

  it('a connection that never registers is turned away after two ticks, unseen by the room', async () => {
    opened.started = await startIrcServer({ heartbeatIntervalMs: 50 })
    const idle = await rawIrc(opened.started.ircPort, clients)
    idle.write('CAP LS 302\r\n')
    expect(await idle.waitFor(/^ERROR/)).toBe('ERROR :Closing link: * (registration timed out)')
    await idle.closed
    expect(opened.started.server.room.size).toBe(0)
    await waitUntil(() => opened.started?.server.irc.connections === 0, 'the IRC connection to be gone')
  })
})

describe('IRC limits, as the other transports', () => {
  it('the room\'s rate limit: a warning NOTICE, then disconnected for flooding', async () => {
    opened.started = await startIrcServer({ rateLimit: { burst: 4, perSecond: 0.001 } })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    // Joining took two tokens (the rename to alice, the NAMES /who): two messages pass, the third is refused, the fourth disconnects.
    alice.write('PRIVMSG #eventwire :one\r\nPRIVMSG #eventwire :two\r\nPRIVMSG #eventwire :three\r\nPRIVMSG #eventwire :four\r\n')
    expect(await alice.waitFor(/NOTICE/)).toMatch(/^:eventwire NOTICE alice :slow down: at most 0 lines per second; that line was dropped/)
    expect(await alice.waitFor(/^ERROR/)).toBe('ERROR :Closing link: alice (flooding)')
    expect(await tom.waitFor(/^<alice>/)).toBe('<alice> one')
    expect(await tom.take(2)).toEqual(['<alice> two', '* alice left (flooding)'])
  })

  it('a line over maxLineBytes closes that connection with a NOTICE saying why', async () => {
    opened.started = await startIrcServer({ maxLineBytes: 600 })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    alice.write(`PRIVMSG #eventwire :${'x'.repeat(700)}\r\n`)
    expect(await alice.waitFor(/NOTICE/)).toBe(':eventwire NOTICE alice :line too long: the limit is 600 bytes')
    await alice.closed
    expect(await tom.waitFor(/left/)).toBe('* alice left (line too long)')
  })

  it('drops an IRC client that never reads, while the others keep receiving', async () => {
    opened.started = await startIrcServer({ maxQueueBytes: 64 * 1024, maxMessageLength: 4000, rateLimit: { burst: 1e6, perSecond: 1e6 } })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    const carol = await ircJoin(opened.started.ircPort, 'carol', clients)
    carol.socket.pause()
    const text = 'x'.repeat(3000)
    const dropped = '* carol left (too slow: outgoing queue full)'
    // Bounded: at most 300 batches of ~96 KB, paced by bob's reading.
    for (let batch = 0; batch < 300 && !bob.lines.includes(dropped); batch++) {
      for (let i = 0; i < 32; i++) tom.send(`${batch}.${i} ${text}`)
      await bob.waitFor(`<tom> ${batch}.31 ${text}`)
    }
    expect(bob.lines).toContain(dropped)
    expect(opened.started.server.room.findByNick('carol')).toBeUndefined()
    carol.socket.destroy()
  })

  it('an exception at the input boundary fails that client only, logged, with a NOTICE and ERROR', async () => {
    const errors: Array<Record<string, unknown>> = []
    const noop = (): void => {}
    const logger: AppLogger = { debug: noop, info: noop, warn: noop, error: (fields) => { errors.push(fields) } }
    opened.started = await startIrcServer({ logger })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    const room = opened.started.server.room
    const request = room.request.bind(room)
    room.request = (member, req) => {
      if (member.nick === 'alice') throw new Error('boom')
      request(member, req)
    }
    alice.write('PRIVMSG #eventwire :explode\r\n')
    expect(await alice.waitFor(/NOTICE/)).toMatch(/^:eventwire NOTICE alice :internal error: the server could not handle your last message/)
    expect(await alice.waitFor(/^ERROR/)).toBe('ERROR :Closing link: alice (internal error)')
    await alice.closed
    expect(await tom.waitFor(/left/)).toBe('* alice left (internal error)')
    expect(errors).toEqual([expect.objectContaining({ err: expect.objectContaining({ message: 'boom' }), nick: 'alice', transport: 'irc' })])
  })

  it('the plain-text port names the IRC port when it turns an IRC client away', async () => {
    opened.started = await startIrcServer()
    const irssi = await LineClient.connect(opened.started.tcpPort)
    clients.push(irssi)
    await irssi.waitFor(/^\* Welcome/)
    irssi.write('CAP LS 302\r\n')
    expect(await irssi.waitFor(/^ERROR/)).toBe(`ERROR :this is eventwire chat's plain-text port, not IRC; connect with nc or telnet; IRC is on port ${opened.started.ircPort}`)
  })

  it('CHAT_IRC_PORT (default 6667) and --irc-port, CHAT_IRC_CHANNEL (default #eventwire), CHAT_IRC_TOPIC', () => {
    expect(readConfig(chatConfigSpecs, { env: {}, argv: [] })).toMatchObject({ ircPort: 6667, ircChannel: DEFAULT_IRC_CHANNEL, ircTopic: undefined })
    expect(DEFAULT_IRC_CHANNEL).toBe('#eventwire')
    expect(readConfig(chatConfigSpecs, { env: { CHAT_IRC_PORT: '7000', CHAT_IRC_CHANNEL: '#lobby', CHAT_IRC_TOPIC: 'hi' }, argv: ['--irc-port', '7001'] })).toMatchObject({ ircPort: 7001, ircChannel: '#lobby', ircTopic: 'hi' })
  })

  it('a bad channel name is refused with ERR_INVALID_OPTION naming ircChannel', () => {
    for (const ircChannel of ['eventwire', '#', '#a b', '#a,b', '#a:b', '#' + 'x'.repeat(50)]) {
      expect(() => createChatServer({ ircChannel })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('option ircChannel must be') }))
    }
  })

  it('graceful close: an IRC member is told, in NOTICE and ERROR, and the port stops accepting', async () => {
    opened.started = await startIrcServer()
    const alice = await ircJoin(opened.started.ircPort, 'alice', clients)
    const closing = opened.started.server.close()
    expect(await alice.waitFor(/NOTICE/)).toBe(':eventwire NOTICE alice :the server is shutting down, bye')
    expect(await alice.next()).toBe('ERROR :Closing link: alice (server shutting down)')
    await alice.closed
    await closing
    expect(opened.started.server.irc.server.listening).toBe(false)
    opened.started = undefined
  })
})
