import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { Client } from 'irc-framework'
import { openedInTest, tcpJoin } from './helpers.js'
import { startIrcServer, type IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

type Json = Record<string, any>

const opened = openedInTest<IrcStarted>()
const { clients, sockets } = opened
const ircs: IrcUser[] = []

// Registered after openedInTest's, so it runs first: the irc-framework clients close before the server does.
afterEach(async () => {
  await Promise.all(ircs.splice(0).map(async (i) => await i.close()))
})

const EVENTS = ['registered', 'userlist', 'privmsg', 'action', 'nick', 'nick in use', 'join', 'quit', 'notice', 'close']

/** irc-framework, the npm IRC client library, with every event it emits recorded. */
class IrcUser {
  readonly client: Client
  readonly events: Array<{ name: string, data: Json }> = []

  constructor (port: number, nick: string) {
    this.client = new Client({ auto_reconnect: false })
    // 'close' carries a boolean: wrapped, so that every recorded event is a truthy object.
    for (const name of EVENTS) this.client.on(name, (data: unknown) => { this.events.push({ name, data: typeof data === 'object' && data !== null ? data as Json : { value: data } }) })
    this.client.connect({ host: '127.0.0.1', port, nick, username: nick, gecos: nick })
    ircs.push(this)
  }

  /** The first recorded `name` event matching `test` (also one that came before the call). */
  async waitFor (name: string, test: (data: Json) => boolean = () => true): Promise<Json> {
    return await waitUntil(() => this.events.find((e) => e.name === name && test(e.data))?.data, `irc-framework event ${name}; got ${JSON.stringify(this.events.map((e) => e.name))}`)
  }

  async close (): Promise<void> {
    if (this.events.some((e) => e.name === 'close')) return
    this.client.quit('bye')
    await this.waitFor('close')
  }
}

async function wsJoin (port: number, nick: string): Promise<WsClient> {
  const ws = await WsClient.connect(port)
  sockets.push(ws)
  await ws.waitFor('welcome')
  ws.send({ type: 'nick', nick })
  await ws.waitFor('nick')
  return ws
}

describe('irc-framework in the same room as netcat and the browser', () => {
  it('registers, auto-joins, sees everyone, and chats both ways: messages, /me, private messages, nick changes, 433', async () => {
    opened.started = await startIrcServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const wendy = await wsJoin(opened.started.webPort, 'wendy')
    const ivy = new IrcUser(opened.started.ircPort, 'ivy')
    expect(await ivy.waitFor('registered')).toMatchObject({ nick: 'ivy' })
    const names = await ivy.waitFor('userlist', (d) => d.channel === '#eventwire')
    expect(names.users.map((u: Json) => u.nick)).toEqual(['tom', 'wendy', 'ivy'])
    expect(ivy.client.network.options.CASEMAPPING).toBe('ascii')
    await tom.waitFor('* guest-' + (await wendy.waitFor((e) => e.type === 'nick' && e.to === 'ivy')).from.slice(6) + ' is now known as ivy')

    // Messages both ways, each shown with its author's transport in the user part.
    tom.send('hello from nc')
    wendy.send({ type: 'message', text: 'hello from the browser' })
    expect(await ivy.waitFor('privmsg', (d) => d.nick === 'tom')).toMatchObject({ ident: 'tcp', hostname: 'eventwire', target: '#eventwire', message: 'hello from nc' })
    expect(await ivy.waitFor('privmsg', (d) => d.nick === 'wendy')).toMatchObject({ ident: 'web', target: '#eventwire', message: 'hello from the browser' })
    ivy.client.say('#eventwire', 'hi from irc')
    expect(await tom.waitFor(/^<ivy>/)).toBe('<ivy> hi from irc')
    expect(await wendy.waitFor((e) => e.type === 'message' && e.from === 'ivy')).toMatchObject({ text: 'hi from irc' })

    // /me both ways (CTCP ACTION).
    tom.send('/me waves')
    expect(await ivy.waitFor('action', (d) => d.nick === 'tom')).toMatchObject({ target: '#eventwire', message: 'waves' })
    ivy.client.action('#eventwire', 'dances')
    expect(await tom.waitFor(/^\* ivy/)).toBe('* ivy dances')
    expect(await wendy.waitFor((e) => e.type === 'action' && e.from === 'ivy')).toMatchObject({ text: 'dances' })

    // Private messages both ways, with netcat and with the browser.
    tom.send('/msg ivy psst')
    expect(await ivy.waitFor('privmsg', (d) => d.target === 'ivy' && d.nick === 'tom')).toMatchObject({ message: 'psst' })
    wendy.send({ type: 'msg', to: 'ivy', text: 'psst from the web' })
    expect(await ivy.waitFor('privmsg', (d) => d.target === 'ivy' && d.nick === 'wendy')).toMatchObject({ message: 'psst from the web' })
    ivy.client.say('tom', 'back at you')
    expect(await tom.waitFor(/^\[private\]/)).toBe('[private] <ivy> back at you')
    ivy.client.say('wendy', 'and you')
    expect(await wendy.waitFor((e) => e.type === 'private' && e.from === 'ivy')).toMatchObject({ to: 'wendy', text: 'and you' })

    // Nick changes both ways, and 433 on a taken one.
    tom.send('/nick thomas')
    expect(await ivy.waitFor('nick', (d) => d.nick === 'tom')).toMatchObject({ new_nick: 'thomas' })
    ivy.client.changeNick('ivy2')
    expect(await tom.waitFor(/known as ivy2$/)).toBe('* ivy is now known as ivy2')
    await waitUntil(() => ivy.client.user.nick === 'ivy2', 'irc-framework to follow its own nick change')
    ivy.client.changeNick('THOMAS')
    expect(await ivy.waitFor('nick in use')).toMatchObject({ nick: 'THOMAS', reason: 'Nickname is already in use' })
    expect(ivy.client.user.nick).toBe('ivy2')

    // No echo of its own lines (irc-framework did not ask for echo-message): none of its events is from itself.
    expect(ivy.events.filter((e) => (e.name === 'privmsg' || e.name === 'action') && e.data.nick === 'ivy')).toEqual([])
  })

  it('replays the history as PRIVMSGs from their authors, with server-time; a frozen client is dropped by the PING timer', async () => {
    opened.started = await startIrcServer({ heartbeatIntervalMs: 300 })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const wendy = await wsJoin(opened.started.webPort, 'wendy')
    tom.send('first from nc')
    tom.send('/me stretches')
    wendy.send({ type: 'message', text: 'second from the browser' })
    await waitUntil(() => opened.started?.server.room.history().length === 3, 'three messages in the history')
    const sent = new Map(opened.started.server.room.history().map((m) => [m.text, m.ts]))
    const ivy = new IrcUser(opened.started.ircPort, 'ivy')
    const first = await ivy.waitFor('privmsg', (d) => d.message === 'first from nc')
    expect(first).toMatchObject({ nick: 'tom', ident: 'tcp', target: '#eventwire', time: sent.get('first from nc') })
    expect(await ivy.waitFor('action', (d) => d.nick === 'tom')).toMatchObject({ message: 'stretches', time: sent.get('stretches') })
    expect(await ivy.waitFor('privmsg', (d) => d.nick === 'wendy')).toMatchObject({ ident: 'web', message: 'second from the browser', time: sent.get('second from the browser') })
    expect(ivy.client.network.cap.enabled).toContain('server-time')

    // Frozen: its process stops reading (a laptop lid closed), so it answers no PING.
    await tom.waitFor(/known as ivy$/)
    const socket = (ivy.client.connection.transport as { socket: import('node:net').Socket }).socket
    socket.pause()
    expect(await tom.waitFor(/^\* ivy left/, 5000)).toBe('* ivy left (no answer to ping)')
    expect(await wendy.waitFor('leave')).toMatchObject({ nick: 'ivy', code: 'NO_ANSWER' })
    // Awake again, it finds the connection closed.
    socket.resume()
    await ivy.waitFor('close')
  })
})
