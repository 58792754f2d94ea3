import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { silentAppLogger } from '@eventwire/protocol'
import { PresenceDigest, presenceText, type ChatRoom, type JoinEvent, type PresenceEvent, type ServerEvent } from '../src/index.js'
import { openedInTest, startServer, tcpJoin, type Started } from './helpers.js'
import { ircJoin, startIrcServer, type IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest<Started | IrcStarted>()
const { clients, sockets } = opened

const PERIOD = 100
/** A digest as a netcat user reads it. */
const DIGEST = /^\* (?:\+([\d,]+) joined(?: \(([^)]*)\))?)?(?:, )?(?:([\d,]+) left(?: \(([^)]*)\))?)? — ([\d,]+) here$/

interface Digest { joined: number, left: number, joinedNicks: string[], leftNicks: string[], online: number }

function parseDigest (line: string): Digest | undefined {
  const m = DIGEST.exec(line)
  if (m === null) return undefined
  const n = (s: string | undefined): number => s === undefined ? 0 : Number(s.replaceAll(',', ''))
  const names = (s: string | undefined): string[] => s === undefined ? [] : s.split(', ')
  return { joined: n(m[1]), left: n(m[3]), joinedNicks: names(m[2]), leftNicks: names(m[4]), online: n(m[5]) }
}

/** A bare netcat member that has read its welcome (never renamed, so it stays a guest). */
async function guest (port: number): Promise<LineClient> {
  const client = await LineClient.connect(port)
  clients.push(client)
  await client.waitFor(/^\* Welcome/)
  return client
}

async function guests (port: number, n: number): Promise<LineClient[]> {
  return await Promise.all(Array.from({ length: n }, async () => await guest(port)))
}

/** A member straight on the room that notes when each event reached it: the digest's pace, seen by the server. */
function recorder (room: ChatRoom): Array<{ event: ServerEvent, at: number }> {
  const got: Array<{ event: ServerEvent, at: number }> = []
  room.join({ kind: 'test', echo: false, send: (event) => { got.push({ event, at: performance.now() }); return true }, close: () => {} })
  return got
}

function digestsOf (lines: readonly string[]): Digest[] {
  return lines.map(parseDigest).filter((d): d is Digest => d !== undefined)
}

function sum (digests: readonly Digest[], key: 'joined' | 'left'): number {
  return digests.reduce((total, d) => total + d[key], 0)
}

describe('presence digests past presenceDigestAbove', () => {
  it('renders the digest line with names while they are few, counts only past that', () => {
    const base = { type: 'presence', ts: 0 } as const
    expect(presenceText({ ...base, joined: 2, left: 1, joinedNicks: ['ann', 'bob'], leftNicks: ['cy'], online: 12034 })).toBe('+2 joined (ann, bob), 1 left (cy) — 12,034 here')
    expect(presenceText({ ...base, joined: 12, left: 3, joinedNicks: [], leftNicks: ['a', 'b', 'c'], online: 1_234_567 })).toBe('+12 joined, 3 left (a, b, c) — 1,234,567 here')
    expect(presenceText({ ...base, joined: 0, left: 4, joinedNicks: [], leftNicks: [], online: 7 })).toBe('4 left — 7 here')
  })

  it('TCP: one by one up to the threshold, then digests at most once a period, with the right counts and no join or leave lines', async () => {
    opened.started = await startServer({ presenceDigestAbove: 5, presenceDigestMs: PERIOD, joinSniffMs: 0 })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const got = recorder(opened.started.server.room) // the second member
    // Members 3, 4 and 5, one at a time: each joins a room of at most 5, announced as always.
    for (let i = 0; i < 3; i++) {
      await guest(opened.started.tcpPort)
      await waitUntil(() => alice.lines.filter((l) => / joined$/.test(l)).length === i + 2, `join ${i + 3} announced`)
    }
    const crowd = await guests(opened.started.tcpPort, 20)
    await waitUntil(() => sum(digestsOf(alice.lines), 'joined') === 20, 'digests counting 20 joins', 10_000)
    expect(alice.lines.filter((l) => / joined$/.test(l))).toHaveLength(4) // the recorder and members 3-5
    const joins = digestsOf(alice.lines)
    expect(joins.at(-1)?.online).toBe(25)
    for (const d of joins) {
      expect(d.left).toBe(0)
      // Named while at most 10 joined in the period; else counted only.
      expect(d.joinedNicks).toHaveLength(d.joined <= 10 ? d.joined : 0)
      for (const nick of d.joinedNicks) expect(nick).toMatch(/^guest-[a-z0-9]{4}$/)
    }

    for (const c of crowd.slice(0, 12)) await c.close()
    await waitUntil(() => sum(digestsOf(alice.lines), 'left') === 12, 'digests counting 12 leaves', 10_000)
    expect(alice.lines.filter((l) => / left \(/.test(l) && parseDigest(l) === undefined)).toEqual([])
    expect(digestsOf(alice.lines).at(-1)?.online).toBe(13)
    // Paced by the room's one timer, as the server sent them: never two within a period.
    const sent = got.filter((g) => g.event.type === 'presence').map((g) => g.at)
    expect(sent.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < sent.length; i++) expect((sent[i] as number) - (sent[i - 1] as number)).toBeGreaterThanOrEqual(PERIOD * 0.9)
    expect(got.filter((g) => g.event.type === 'join' || g.event.type === 'leave').map((g) => g.event.type)).toEqual(['join', 'join', 'join'])
  })

  it('below the threshold nothing changes: a join line and a leave line each', async () => {
    opened.started = await startServer({ presenceDigestAbove: 5, presenceDigestMs: PERIOD })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    expect(await alice.waitFor(/joined$/)).toMatch(/^\* guest-\w+ joined$/)
    await bob.close()
    expect(await alice.waitFor(/left/)).toBe('* bob left (connection closed)')
    await new Promise((resolve) => setTimeout(resolve, PERIOD * 3))
    expect(digestsOf(alice.lines)).toEqual([])
  })

  it('WebSocket: a presence event with counts and names instead of join and leave events', async () => {
    opened.started = await startServer({ presenceDigestAbove: 3, presenceDigestMs: PERIOD, joinSniffMs: 0 })
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    const welcome = await web.waitFor('welcome')
    const early = await guests(opened.started.tcpPort, 2) // room of 3: announced one by one
    await web.waitFor('join')
    await web.waitFor('join')
    const crowd = await guests(opened.started.tcpPort, 6)
    let joined = 0
    let last: Record<string, any> = {}
    while (joined < 6) {
      last = await web.waitFor('presence')
      expect(last).toEqual({ type: 'presence', joined: expect.any(Number), left: 0, joinedNicks: expect.any(Array), leftNicks: [], online: expect.any(Number), ts: expect.any(Number) })
      expect(last.joinedNicks).toHaveLength(last.joined)
      joined += last.joined as number
    }
    expect(joined).toBe(6)
    expect(last.online).toBe(9)
    await Promise.all([...early, crowd[0] as LineClient].map(async (c) => await c.close()))
    const leftNicks: string[] = []
    while (leftNicks.length < 3) {
      last = await web.waitFor('presence')
      expect(last).toMatchObject({ joined: 0, joinedNicks: [] })
      leftNicks.push(...last.leftNicks as string[])
    }
    expect(leftNicks).toHaveLength(3)
    expect(last.online).toBe(6)
    expect(web.events.filter((e) => e.type === 'join' || e.type === 'leave')).toHaveLength(2)
    expect(welcome.online).toBe(1)
  })

  it('IRC: a NOTICE digest to the channel, no JOIN or QUIT per member; NAMES lists one page and says so', async () => {
    const irc = await startIrcServer({ presenceDigestAbove: 3, presenceDigestMs: PERIOD, joinSniffMs: 0, whoPageSize: 4 })
    opened.started = irc
    const alice = await ircJoin(irc.ircPort, 'alice', clients)
    await guests(irc.tcpPort, 2)
    const joinOrQuit = (l: string): boolean => /^:guest-\S+ (JOIN|QUIT) /.test(l)
    await waitUntil(() => alice.lines.filter(joinOrQuit).length === 2, 'two JOIN lines')
    await guests(irc.tcpPort, 5)
    const notices: string[] = []
    while (notices.reduce((n, l) => n + Number(/:\+(\d+) joined/.exec(l)?.[1] ?? 0), 0) < 5) {
      notices.push(await alice.waitFor(/^:eventwire NOTICE #eventwire :/))
    }
    expect(notices.at(-1)).toMatch(/ — 8 here$/)
    for (const n of notices) expect(n).toMatch(/^:eventwire NOTICE #eventwire :\+\d+ joined \(guest-[a-z0-9]{4}(, guest-[a-z0-9]{4})*\) — \d+ here$/)
    expect(alice.lines.filter(joinOrQuit)).toHaveLength(2)

    const bob = await ircJoin(irc.ircPort, 'bob', clients)
    const names = bob.lines.filter((l) => / 353 /.test(l)).flatMap((l) => l.split(' :')[1]?.split(' ') ?? [])
    expect(names).toHaveLength(5) // the first page of 4, and bob himself
    expect(names).toContain('bob')
    expect(await bob.waitFor(/ NOTICE bob :/)).toBe(':eventwire NOTICE bob :#eventwire has 9 members; the names list shows 5 of them')
  })

  it('500 members joining cost one observer a few digest lines, and the last has the right count', async () => {
    const periodMs = 500
    // Threshold 1: every join after the observer's is digested, whatever order the 500 arrive in.
    opened.started = await startServer({ presenceDigestAbove: 1, presenceDigestMs: periodMs, joinSniffMs: 0 })
    const observer = await tcpJoin(opened.started.tcpPort, 'observer', clients)
    const before = observer.lines.length
    const t0 = Date.now()
    for (let i = 0; i < 500; i += 100) await guests(opened.started.tcpPort, 100)
    await waitUntil(() => sum(digestsOf(observer.lines), 'joined') >= 500, 'digests counting 500 joins', 20_000)
    const elapsed = Date.now() - t0
    const lines = observer.lines.slice(before)
    // One line a period at most, whatever the pace of the joins: not one per join.
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(elapsed / periodMs) + 1)
    expect(lines.length).toBeLessThan(50)
    expect(lines.every((l) => parseDigest(l) !== undefined)).toBe(true)
    expect(sum(digestsOf(lines), 'joined')).toBe(500)
    expect(digestsOf(lines).at(-1)?.online).toBe(501)
  }, 30_000)

  it('one timer per room: a thousand changes make one digest, a closed digest sends nothing', async () => {
    const sent: PresenceEvent[] = []
    let size = 0
    const digest = new PresenceDigest({ above: 2, periodMs: PERIOD, localSize: () => size, deliver: (e) => { sent.push(e) }, logger: silentAppLogger })
    const join = (nick: string): JoinEvent => ({ type: 'join', nick, fromId: nick, seq: 0, ts: 0 })
    size = 2
    expect(digest.take(join('a'))).toBe(false) // a room of two: announced one by one
    for (let i = 0; i < 1000; i++) {
      size++
      expect(digest.take(join(`n${i}`))).toBe(true)
    }
    await new Promise((resolve) => setTimeout(resolve, PERIOD * 3))
    expect(sent).toEqual([{ type: 'presence', joined: 1000, left: 0, joinedNicks: [], leftNicks: [], online: 1002, ts: expect.any(Number) }])
    digest.take(join('late'))
    digest.close()
    await new Promise((resolve) => setTimeout(resolve, PERIOD * 3))
    expect(sent).toHaveLength(1)
    expect(digest.take(join('after'))).toBe(false)
  })

  it('a reconnect to a large room gets the joins and leaves it missed as one digest, not one event each', async () => {
    opened.started = await startServer({ presenceDigestAbove: 2, presenceDigestMs: PERIOD, joinSniffMs: 0 })
    const first = await WsClient.connect(opened.started.webPort)
    sockets.push(first)
    const welcome = await first.waitFor('welcome')
    await first.close()
    await guests(opened.started.tcpPort, 5)
    await waitUntil(() => opened.started?.server.room.size === 5, 'five members')
    await new Promise((resolve) => setTimeout(resolve, PERIOD)) // their joins announced (after the sniff timer)
    const again = await WsClient.connect(opened.started.webPort, {}, `since=${welcome.seq as number}&epoch=${welcome.epoch as string}`)
    sockets.push(again)
    const recovered = await again.waitFor((e) => e.type === 'system' && e.code === 'RECOVERED')
    const replayed = again.events.slice(0, again.events.indexOf(recovered)).filter((e) => e.type !== 'welcome' && e.type !== 'system')
    // Its own join and leave, and the five joins after it.
    expect(replayed).toEqual([{ type: 'presence', joined: 6, left: 1, joinedNicks: expect.any(Array), leftNicks: [welcome.nick], online: 6, ts: expect.any(Number) }])
    expect(replayed[0]?.joinedNicks[0]).toBe(welcome.nick)
  })
})
