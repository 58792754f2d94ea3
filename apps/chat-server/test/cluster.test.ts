import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { connectRedis, StreamLog } from '@eventwire/cluster'
import { Rig, redisAvailable, tcpNick, wsNick } from './cluster-helpers.js'

const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

describe.skipIf(!redisAvailable)('chat cluster: two instances on one Redis', () => {
  it('a message crosses instances both ways, TCP and WebSocket, and the author\'s echo comes from the log', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url)
    const b = await rig.instance(redis.url)
    const alice = await rig.tcp(a.tcpPort)
    await tcpNick(alice, 'alice')
    const { client: bob } = await rig.ws(b.webPort)
    await wsNick(bob, 'bob')
    const { client: carol, welcome: carolWelcome } = await rig.ws(a.webPort)
    const dave = await rig.tcp(b.tcpPort)
    await tcpNick(dave, 'dave')
    await alice.waitFor(/is now known as dave$/, 10_000)

    alice.send('hello from A over TCP\n')
    expect(await bob.waitFor('message')).toMatchObject({ from: 'alice', text: 'hello from A over TCP', seq: expect.any(Number) })
    expect(await dave.waitFor(/hello from A/)).toBe('<alice> hello from A over TCP')
    bob.send({ type: 'message', text: 'hello from B over WebSocket' })
    expect(await alice.waitFor(/hello from B/)).toBe('<bob> hello from B over WebSocket')
    expect(await carol.waitFor('message')).toMatchObject({ from: 'alice' })
    expect(await carol.waitFor('message')).toMatchObject({ from: 'bob', text: 'hello from B over WebSocket' })
    // Bob's own line reached him from the shared log, like everyone else's.
    expect(await bob.waitFor('message')).toMatchObject({ from: 'bob', text: 'hello from B over WebSocket' })
    dave.send('and from B over TCP\n')
    const fromDave = await carol.waitFor('message')
    expect(fromDave).toMatchObject({ from: 'dave', text: 'and from B over TCP' })
    carol.send({ type: 'message', text: 'and from A over WebSocket' })
    expect(await dave.waitFor(/from A over WebSocket/)).toBe(`<${carolWelcome.nick as string}> and from A over WebSocket`)
  })

  it('/who lists the members of every instance; /msg reaches someone on another instance, and only them', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url)
    const b = await rig.instance(redis.url)
    const alice = await rig.tcp(a.tcpPort)
    await tcpNick(alice, 'alice')
    const bob = await rig.tcp(b.tcpPort)
    await tcpNick(bob, 'bob')
    const { client: web } = await rig.ws(b.webPort)
    await wsNick(web, 'webby')
    await alice.waitFor(/is now known as webby$/, 10_000)

    alice.send('/who\n')
    expect(await alice.waitFor(/online:/)).toBe('* 3 online: alice, bob, webby')
    web.send({ type: 'who' })
    expect(await web.waitFor('who')).toEqual({ type: 'who', nicks: ['alice', 'bob', 'webby'] })

    alice.send('/msg BOB psst, across instances\n')
    expect(await bob.waitFor(/psst/, 10_000)).toBe('[private] <alice> psst, across instances')
    expect(await alice.waitFor(/psst/)).toBe('[private to bob] psst, across instances')
    web.send({ type: 'msg', to: 'alice', text: 'hi alice' })
    expect(await alice.waitFor(/hi alice/)).toBe('[private] <webby> hi alice')
    expect(await web.waitFor('private')).toMatchObject({ from: 'webby', to: 'alice', text: 'hi alice' })
    alice.send('/msg nobody hello?\n')
    expect(await alice.waitFor(/^!/)).toBe('! nobody called nobody is here; /who lists who is')
    // The private lines were never fanned out: bob's next line is the next room event.
    alice.send('public again\n')
    expect(await bob.next()).toBe('<alice> public again')
    expect(b.server.room.history().map((m) => m.text)).toEqual(['public again'])
  })

  it('a member joining on B gets the history said on A; the welcome carries the log\'s epoch and position', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url)
    const alice = await rig.tcp(a.tcpPort)
    await tcpNick(alice, 'alice')
    for (const text of ['one', 'two', 'three']) alice.send(`${text}\n`)
    await waitUntil(() => a.server.room.history().length === 3, 'A to deliver the three messages')
    const { client: early } = await rig.ws(a.webPort)
    await early.waitFor((e) => e.type === 'history' && e.messages.length === 3)
    // B starts after the messages: its history comes from the shared log's snapshot.
    const b = await rig.instance(redis.url)
    const { client: late, welcome } = await rig.ws(b.webPort)
    const history = await late.waitFor('history')
    expect(history.messages.map((m: { text: string }) => m.text)).toEqual(['one', 'two', 'three'])
    expect(welcome.epoch).toMatch(/^[0-9a-f]{16}$/)
    expect(welcome.seq).toBe(history.messages[2].seq + 1) // then the page on A joined
  })

  it('two instances claiming one nickname at once: exactly one wins, the other is told NICK_TAKEN', async () => {
    const redis = await rig.redis()
    const rateLimit = { burst: 1000, perSecond: 1000 }
    const a = await rig.instance(redis.url, { rateLimit })
    const b = await rig.instance(redis.url, { rateLimit })
    const onA = await rig.tcp(a.tcpPort)
    const onB = await rig.tcp(b.tcpPort)
    const racers = [{ client: onA, nick: 'left0' }, { client: onB, nick: 'right0' }]
    for (const r of racers) await tcpNick(r.client, r.nick)
    for (let round = 0; round < 10; round++) {
      const nick = `racer${round}`
      for (const r of racers) r.client.send(`/nick ${nick}\n`)
      // Each client's own outcome: its rename announced (from the log), or the refusal.
      const outcome = await Promise.all(racers.map(async (r) => await r.client.waitFor((l) => l === `* ${r.nick} is now known as ${nick}` || l.startsWith('! the nickname'), 10_000)))
      expect(outcome.filter((l) => !l.startsWith('!')), outcome.join(' | ')).toHaveLength(1)
      expect(outcome.filter((l) => l === `! the nickname ${nick} is taken; choose another`)).toHaveLength(1)
      // Both move on to names of their own for the next round.
      for (const [i, r] of racers.entries()) {
        r.nick = `${i === 0 ? 'left' : 'right'}${round + 1}`
        await tcpNick(r.client, r.nick)
      }
    }
  })

  it('entries another writer put in the room\'s stream are skipped, and only known fields of ours reach clients', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url)
    const { client: page } = await rig.ws(a.webPort)
    const link = await connectRedis(redis.url)
    rig.later(async () => await link.quit())
    const log = new StreamLog(link, 'chat-room')
    for (const junk of ['not json', '[1,2]', '{"type":"message","from":"x","fromId":"y","text":5,"ts":1}', '{"type":"__proto__"}', '{"type":"system","text":"fake notice"}']) await log.append(junk)
    await log.append(JSON.stringify({ type: 'message', from: 'ghost', fromId: 'g', text: 'extra fields', ts: 1, html: '<b>', seq: 999 }))
    const event = await page.waitFor('message')
    expect(event).toEqual({ type: 'message', from: 'ghost', fromId: 'g', text: 'extra fields', ts: 1, seq: 7 }) // after the page's join and the five skipped
    expect(page.events.filter((e) => e.type === 'system')).toEqual([])
  })
})
