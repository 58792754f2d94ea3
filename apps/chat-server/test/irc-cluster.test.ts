import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { startChatCluster } from '../src/cluster/chat-cluster.js'
import { redisAvailable, Rig } from './cluster-helpers.js'
import { tcpJoin } from './helpers.js'
import { ircJoin, startIrcServer, type IrcStarted } from './irc-helpers.js'

let rig = new Rig()

afterEach(async () => {
  await rig.stopAll()
  rig = new Rig()
})

/** An instance in cluster mode with its IRC port too. */
async function instance (url: string): Promise<IrcStarted> {
  const cluster = await startChatCluster({ url, leaseMs: 3000 })
  const started = await startIrcServer({ cluster })
  rig.later(async () => await started.server.close())
  return started
}

describe.skipIf(!redisAvailable)('IRC in cluster mode: the welcome comes after the nick claim', () => {
  it('an IRC user on A and a netcat user on B: registration, NAMES, history, messages and private messages across', async () => {
    const redis = await rig.redis()
    const a = await instance(redis.url)
    const b = await instance(redis.url)
    const clients: Parameters<typeof tcpJoin>[2] = []
    rig.later(async () => { await Promise.all(clients.map(async (c) => await c.close())) })
    const tom = await tcpJoin(b.tcpPort, 'tom', clients)
    tom.send('before alice came')
    await waitUntil(() => a.server.room.history().length === 1, 'the message in A\'s history')
    const alice = await ircJoin(a.ircPort, 'alice', clients)
    // Registered under the nick it asked for, once the cluster has it (a NICK line if the claim came after 001).
    await waitUntil(() => alice.lines.some((l) => /^:eventwire 001 alice |NICK :alice$/.test(l)), 'alice to hold her nick')
    // NAMES is room-wide (tom is on B); the history came from the shared log. A member of another
    // instance shows as nick!chat@: which transport it uses is not known here.
    expect(alice.lines.find((l) => l.includes(' 353 '))).toMatch(/ = #eventwire :.*\btom\b/)
    expect(alice.lines).toContain(':tom!chat@eventwire PRIVMSG #eventwire :before alice came')
    alice.write('PRIVMSG #eventwire :hello across\r\nPRIVMSG tom :psst across\r\n')
    expect(await tom.waitFor(/^<alice>/, 10_000)).toBe('<alice> hello across')
    expect(await tom.waitFor(/^\[private\]/, 10_000)).toBe('[private] <alice> psst across')
    tom.send('hi back')
    expect(await alice.waitFor(/hi back/, 10_000)).toMatch(/^:tom!\w+@eventwire PRIVMSG #eventwire :hi back$/)
  })
})
