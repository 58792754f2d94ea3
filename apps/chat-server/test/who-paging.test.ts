import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { openedInTest, tcpJoin } from './helpers.js'
import { ircJoin, startIrcServer, type IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest<IrcStarted>()
const { clients, sockets } = opened

/** A room of `n` members with /who pages of 5: alice (TCP) first, then guests. */
async function room (n: number): Promise<{ alice: LineClient, nicks: () => string[] }> {
  opened.started = await startIrcServer({ whoPageSize: 5, joinSniffMs: 0 })
  const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
  for (let i = 1; i < n; i++) {
    const c = await LineClient.connect(opened.started.tcpPort)
    clients.push(c)
    await c.waitFor(/^\* Welcome/)
  }
  const s = opened.started
  await waitUntil(() => s.server.room.size === n, `${n} members`)
  // Every join announced before a test asks, so no join line comes between its answers.
  await waitUntil(() => alice.lines.filter((l) => / joined$/.test(l)).length === n - 1, 'the joins announced')
  await alice.waitFor(new RegExp(`^\\* ${[...s.server.room.members.values()].at(-1)?.nick ?? ''} joined$`))
  return { alice, nicks: () => [...s.server.room.members.values()].map((m) => m.nick) }
}

describe('/who in pages past whoPageSize', () => {
  it('TCP: the first page and how to get the next; /who N for page N; past the last, says so', async () => {
    const { alice, nicks } = await room(12)
    const all = nicks()
    alice.send('/who')
    expect(await alice.take(2)).toEqual([
      `* 12 online, page 1 of 3: ${all.slice(0, 5).join(', ')}`,
      '* … and 7 more — /who 2 for the next page'
    ])
    alice.send('/who 2')
    expect(await alice.take(2)).toEqual([
      `* 12 online, page 2 of 3: ${all.slice(5, 10).join(', ')}`,
      '* … and 2 more — /who 3 for the next page'
    ])
    alice.send('/who 3')
    expect(await alice.next()).toBe(`* 12 online, page 3 of 3: ${all.slice(10).join(', ')}`)
    alice.send('/who 4')
    expect(await alice.next()).toBe('* 12 online; there is no page 4, the last is 3')
    alice.send('/who everyone')
    expect(await alice.next()).toBe('! usage: /who [PAGE]')
  })

  it('a room that fits one page answers as it always did', async () => {
    const { alice, nicks } = await room(5)
    alice.send('/who')
    expect(await alice.next()).toBe(`* 5 online: ${nicks().join(', ')}`)
  })

  it('WebSocket: {"type":"who","page":N} gets that page with total, page and pages; a bad page is refused', async () => {
    const { nicks } = await room(11)
    const web = await WsClient.connect((opened.started as IrcStarted).webPort)
    sockets.push(web)
    await web.waitFor('welcome')
    const all = nicks()
    web.send({ type: 'who' })
    expect(await web.waitFor('who')).toEqual({ type: 'who', nicks: all.slice(0, 5), total: 12, page: 1, pages: 3 })
    web.send({ type: 'who', page: 3 })
    expect(await web.waitFor('who')).toEqual({ type: 'who', nicks: all.slice(10, 12), total: 12, page: 3, pages: 3 })
    for (const page of ['2', 0, 1.5, -1]) {
      web.send({ type: 'who', page })
      expect(await web.waitFor('error')).toEqual({ type: 'error', code: 'BAD_REQUEST', text: 'a who request\'s "page" must be a whole number from 1' })
    }
  })

  it('IRC: WHO #channel lists one page (352s, then 315 and a NOTICE); NAMES one page and the viewer', async () => {
    const { nicks } = await room(8)
    const irc = await ircJoin((opened.started as IrcStarted).ircPort, 'ivy', clients)
    const names = irc.lines.filter((l) => / 353 /.test(l)).flatMap((l) => l.split(' :')[1]?.split(' ') ?? [])
    expect(names).toEqual([...nicks().slice(0, 5), 'ivy'])
    expect(await irc.waitFor(/ NOTICE ivy :/)).toBe(':eventwire NOTICE ivy :#eventwire has 9 members; the names list shows 6 of them')
    irc.write('WHO #eventwire\r\n')
    await irc.waitFor(/ 315 /)
    const who = irc.lines.filter((l) => / 352 /.test(l))
    expect(who.map((l) => l.split(' ')[7])).toEqual(nicks().slice(0, 5))
    expect(await irc.next()).toBe(':eventwire NOTICE ivy :#eventwire has 9 members here: WHO lists the first 5')
  })
})
