import { describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { openedInTest, startServer, tcpJoin } from './helpers.js'

const opened = openedInTest()
const { clients } = opened

async function three (options = {}): Promise<[LineClient, LineClient, LineClient]> {
  opened.started = await startServer(options)
  const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
  const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
  const carol = await tcpJoin(opened.started.tcpPort, 'carol', clients)
  // Everyone has seen the last join: the lines tests read next are theirs.
  await alice.waitFor(/ is now known as carol$/)
  await bob.waitFor(/ is now known as carol$/)
  return [alice, bob, carol]
}

describe('tcp chat', () => {
  it('welcomes with a line that mentions /help and gives a guest nickname', async () => {
    opened.started = await startServer()
    const client = await LineClient.connect(opened.started.tcpPort)
    clients.push(client)
    const welcome = await client.next()
    expect(welcome).toMatch(/^\* Welcome to eventwire chat, guest-[a-z0-9]{4}! 1 online\. Type \/help for commands\.$/)
    client.send('/help')
    expect(await client.next()).toBe('* Commands:')
    await client.waitFor(/^\* {3}\/msg NAME TEXT/)
  })

  it('sends a message to everyone except its sender, with the sender nickname', async () => {
    const [alice, bob, carol] = await three()
    alice.send('hello everyone')
    expect(await bob.next()).toBe('<alice> hello everyone')
    expect(await carol.next()).toBe('<alice> hello everyone')
    // Alice gets no echo: the next line she sees is bob's reply.
    bob.send('hi alice')
    expect(await alice.next()).toBe('<bob> hi alice')
    expect(await carol.next()).toBe('<bob> hi alice')
  })

  it('announces joins, nick changes and leaves; frames split across writes and \\r\\n', async () => {
    const [alice, bob] = await three()
    // A telnet line in three chunks, the multi-byte character cut in half.
    const bytes = Buffer.from('/nick Bób\r\n')
    bob.write(bytes.subarray(0, 6))
    await new Promise((resolve) => setTimeout(resolve, 20))
    bob.write(bytes.subarray(6, 7))
    bob.write(bytes.subarray(7))
    expect(await alice.waitFor(/now known as/)).toBe('* bob is now known as Bób')
    clients[2]?.send('/quit see you')
    expect(await alice.waitFor(/left/)).toBe('* carol left (quit: see you)')
    await clients[2]?.closed
    await bob.close()
    expect(await alice.waitFor(/left/)).toBe('* Bób left (connection closed)')
    await waitUntil(() => opened.started?.server.room.size === 1, 'room to shrink to one member')
  })

  it('keeps nicknames unique, case-insensitively', async () => {
    const [alice, bob] = await three()
    bob.send('/nick ALICE')
    expect(await bob.next()).toBe('! the nickname alice is taken; choose another')
    bob.send('/nick Carol')
    expect(await bob.next()).toBe('! the nickname carol is taken; choose another')
    bob.send('/nick has space')
    expect(await bob.next()).toMatch(/^! a nickname is one word/)
    bob.send('/nick ' + 'x'.repeat(25))
    expect(await bob.next()).toBe('! a nickname is at most 24 characters (got 25)')
    // Changing only the case of your own nickname is allowed.
    alice.send('/nick Alice')
    expect(await bob.waitFor(/known as/)).toBe('* alice is now known as Alice')
  })

  it('/who lists members in join order', async () => {
    const [alice] = await three()
    alice.send('/who')
    expect(await alice.waitFor(/online:/)).toBe('* 3 online: alice, bob, carol')
  })

  it('/msg reaches only its recipient, and the sender gets a copy', async () => {
    const [alice, bob, carol] = await three()
    alice.send('/msg BOB psst, over here')
    expect(await bob.waitFor(/private/)).toBe('[private] <alice> psst, over here')
    expect(await alice.next()).toBe('[private to bob] psst, over here')
    alice.send('/msg nobody hi')
    expect(await alice.next()).toBe('! nobody called nobody is here; /who lists who is')
    // Carol saw nothing of it: her next line is the public one that follows.
    alice.send('public again')
    expect(await carol.next()).toBe('<alice> public again')
  })

  it('/me is an action line; unknown commands answer the sender only', async () => {
    const [alice, bob, carol] = await three()
    alice.send('/me waves')
    expect(await bob.next()).toBe('* alice waves')
    expect(await carol.next()).toBe('* alice waves')
    bob.send('/dance')
    expect(await bob.next()).toBe('! unknown command /dance; type /help for the list')
    bob.send('//dance is not a command')
    expect(await alice.next()).toBe('<bob> /dance is not a command')
    expect(await carol.next()).toBe('<bob> /dance is not a command')
  })

  it('replays the last N messages to a member who joins', async () => {
    opened.started = await startServer({ historySize: 2 })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    alice.send('one')
    alice.send('two')
    alice.send('/me three')
    await waitUntil(() => opened.started?.server.room.history().length === 2 && opened.started.server.room.history()[1]?.text === 'three', 'history to hold three')
    const late = await LineClient.connect(opened.started.tcpPort)
    clients.push(late)
    expect((await late.take(4))).toEqual([
      expect.stringMatching(/^\* Welcome/),
      '* last 2 messages:',
      '<alice> two',
      '* alice three'
    ])
  })

  it('strips ANSI escapes and control characters from messages and nicknames', async () => {
    const [alice, bob] = await three()
    bob.send('\x1b[2J\x1b[Hclear\x07ed \x1b]0;pwned\x07screen\x1b[31m red\x1b[0m\x00')
    const line = await alice.next()
    expect(line).toBe('<bob> cleared screen red')
    expect(Buffer.from(line).some((b) => b < 0x20)).toBe(false)
    bob.send('/nick \x1b[31mevil\x1b[0m')
    expect(await alice.next()).toBe('* bob is now known as evil')
    bob.send('\x1b[2J')
    bob.send('after')
    // The escape-only line was dropped entirely, not sent as an empty message.
    expect(await alice.next()).toBe('<evil> after')
  })

  it('refuses an over-long message but keeps the sender; closes on an over-long line', async () => {
    const [alice, bob] = await three({ maxMessageLength: 50, maxLineBytes: 1024 })
    bob.send('y'.repeat(51))
    expect(await bob.next()).toBe('! message too long: 51 characters, the limit is 50; it was not sent')
    bob.send('short')
    expect(await alice.next()).toBe('<bob> short')
    // Past maxLineBytes without a newline: the framing gives up on this connection only.
    bob.write('z'.repeat(2000))
    expect(await bob.next()).toBe('! line too long: the limit is 1024 bytes')
    expect(await bob.next()).toBe('* disconnected: line too long')
    await bob.closed
    expect(await alice.next()).toBe('* bob left (line too long)')
    alice.send('still here')
    expect(await clients[2]?.waitFor(/still here/)).toBe('<alice> still here')
  })

  it('warns a flooder, then disconnects it', async () => {
    // 0.1 per second: no token comes back during the test, however slow the machine.
    const [alice, bob] = await three({ rateLimit: { burst: 3, perSecond: 0.1 } })
    // The /nick at join used one token; burst 3 leaves two.
    bob.write('m1\nm2\nm3\nm4\nm5\nm6\n')
    expect(await bob.next()).toMatch(/^! slow down: at most 0.1 lines per second/)
    expect(await bob.next()).toBe('* disconnected: flooding')
    await bob.closed
    expect(await alice.take(3)).toEqual(['<bob> m1', '<bob> m2', '* bob left (flooding)'])
  })

  it('forgives a flooder who waits for the bucket to refill', async () => {
    const [alice, bob] = await three({ rateLimit: { burst: 3, perSecond: 10 } })
    const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
    await sleep(400) // the bucket is full again after the /nick
    bob.write('a\nb\nc\nd\n')
    expect(await bob.next()).toMatch(/^! slow down/)
    await sleep(400) // full again: the warning is forgotten
    bob.write('e\nf\ng\nh\n')
    expect(await bob.next()).toMatch(/^! slow down/)
    expect(await alice.take(6)).toEqual(['<bob> a', '<bob> b', '<bob> c', '<bob> e', '<bob> f', '<bob> g'])
    await sleep(400)
    bob.send('/who')
    expect(await bob.next()).toBe('* 3 online: alice, bob, carol')
  })

  it('past the presence threshold (announceLimit, its old name) joins and leaves come as a digest, not one line each; /who still tells', async () => {
    // Before presence digests, announceLimit switched the notices off past it.
    opened.started = await startServer({ announceLimit: 2, presenceDigestMs: 50 })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    await alice.waitFor(/is now known as bob$/)
    expect(alice.lines.filter((l) => l.endsWith(' joined'))).toHaveLength(1)
    const carol = await tcpJoin(opened.started.tcpPort, 'carol', clients) // third member: a digest
    await alice.waitFor(/is now known as carol$/)
    expect(await alice.waitFor(/ here$/)).toMatch(/^\* \+1 joined \(guest-\w+\) — 3 here$/)
    await carol.close() // three members before leaving: a digest too
    expect(await alice.waitFor(/ here$/)).toBe('* 1 left (carol) — 2 here')
    bob.send('/who')
    expect(await bob.waitFor(/online:/)).toBe('* 2 online: alice, bob')
    bob.send('marker')
    expect(await alice.waitFor(/marker/)).toBe('<bob> marker')
    expect(alice.lines.filter((l) => / joined$| left \(/.test(l) && !l.endsWith(' here'))).toHaveLength(1) // bob's join only
    await bob.close() // two members: announced one by one again
    expect(await alice.waitFor(/left/)).toBe('* bob left (connection closed)')
  })

  it('does not mistake a big batch for a slow reader', async () => {
    // 60 KB of lines in one write: one input chunk, far over a 16 KiB queue limit
    // if the batched (corked) output counted against it.
    const [alice, bob, carol] = await three({ maxQueueBytes: 16 * 1024, maxMessageLength: 2000, rateLimit: { burst: 1000, perSecond: 1000 } })
    const lines = Array.from({ length: 40 }, (_, i) => `${i} ${'b'.repeat(1500)}`)
    bob.write(lines.map((l) => l + '\n').join(''))
    for (const reader of [alice, carol]) expect(await reader.take(40)).toEqual(lines.map((l) => `<bob> ${l}`))
    expect(opened.started?.server.room.size).toBe(3)
  })

  it('drops a client that never reads, while the others keep receiving', async () => {
    const maxQueueBytes = 64 * 1024
    const [alice, bob, carol] = await three({ maxQueueBytes, maxMessageLength: 4000, rateLimit: { burst: 1e6, perSecond: 1e6 } })
    // Carol stops reading: first her kernel receive buffer fills, then the
    // server's send buffer, then the server-side queue passes its limit.
    carol.socket.pause()
    const text = 'x'.repeat(3000)
    const dropped = '* carol left (too slow: outgoing queue full)'
    let batch = 0
    // Bounded: at most 300 batches of ~96 KB (~29 MB in all), paced by bob's reading.
    for (; batch < 300 && !bob.lines.includes(dropped); batch++) {
      for (let i = 0; i < 32; i++) alice.send(`${batch}.${i} ${text}`)
      await bob.waitFor(`<alice> ${batch}.31 ${text}`)
    }
    expect(bob.lines).toContain(dropped)
    expect(opened.started?.server.room.findByNick('carol')).toBeUndefined()
    // Bob got every message in order, none lost while carol was stalling.
    const received = bob.lines.filter((l) => l.startsWith('<alice> ')).map((l) => l.slice(8, l.indexOf(' ', 8)))
    expect(received.length).toBe(batch * 32)
    expect(received[received.length - 1]).toBe(`${batch - 1}.31`)
    alice.send('/who')
    expect(await alice.waitFor(/online:/)).toBe('* 2 online: alice, bob')
    alice.send('after the drop')
    expect(await bob.waitFor(/after the drop/)).toBe('<alice> after the drop')
    carol.socket.destroy()
  })
})
