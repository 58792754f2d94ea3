import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, LineClient, startChild, waitUntil, type ChildHandle } from '@eventwire/testkit'
import { Rig, redisAvailable, tcpNick } from './cluster-helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

interface Instance { child: ChildHandle, tcpPort: number, webPort: number }

/** `node dist/main.js` in cluster mode, as production runs it; SIGKILLed at the end if still there. */
async function instance (redisUrl: string, leaseMs: number, env: Record<string, string> = {}): Promise<Instance> {
  const child = startChild(process.execPath, ['dist/main.js'], {
    cwd: appDir,
    env: { HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_WEB_PORT: '0', CHAT_IRC_PORT: '0', REDIS_URL: redisUrl, CHAT_LEASE_MS: String(leaseMs), CHAT_RATE_BURST: '10000', CHAT_RATE_PER_SECOND: '10000', LOG_LEVEL: 'info', ...env }
  })
  rig.later(async () => { child.child.kill('SIGCONT'); await child.stop(2000) })
  const line = await child.waitForLine(/chat-server listening/, 15_000, { earlier: true })
  const log = JSON.parse(line) as { tcp: string, web: string }
  return { child, tcpPort: Number(log.tcp.split(':').pop()), webPort: Number(log.web.split(':').pop()) }
}

async function member (port: number, nick: string): Promise<LineClient> {
  const client = await rig.tcp(port)
  await tcpNick(client, nick)
  return client
}

const said = (client: LineClient): string[] => client.lines.filter((l) => l.startsWith('<'))

describe.skipIf(!redisAvailable)('chat cluster: instances that die or freeze (the built main)', () => {
  beforeAll(() => { buildPackage(appDir) }, 120_000)

  it('a bad REDIS_URL is one line naming it (exit 2); an unreachable Redis is one line too (exit 1), before any port is bound', async () => {
    for (const [url, pattern, code] of [
      ['http://127.0.0.1:6379', /^chat-server: REDIS_URL: the scheme must be redis:\/\/ or rediss:\/\/, got http:\/\/$/, 2],
      ['redis//nope', /^chat-server: REDIS_URL: not a URL/, 2],
      ['redis://127.0.0.1:1/', /^chat-server failed to start: REDIS_URL redis:\/\/127\.0\.0\.1:1\/: cannot connect to Redis/, 1]
    ] as const) {
      const child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { CHAT_PORT: '0', CHAT_WEB_PORT: '0', CHAT_IRC_PORT: '0', REDIS_URL: url } })
      rig.later(async () => await child.stop(1000))
      expect(await child.exited).toBe(code)
      expect(child.stderr.filter((l) => l.trim() !== ''), url).toEqual([expect.stringMatching(pattern)])
      expect(child.stdout.some((l) => l.includes('listening'))).toBe(false)
    }
  })

  it('kill -9 of one of three instances: each survivor\'s members see each of its members leave exactly once, within the lease', async () => {
    const redis = await rig.redis()
    const leaseMs = 1500
    const [victim, b, c] = await Promise.all([instance(redis.url, leaseMs), instance(redis.url, leaseMs), instance(redis.url, leaseMs)])
    const onB = await member(b.tcpPort, 'onB')
    const onC = await member(c.tcpPort, 'onC')
    await member(victim.tcpPort, 'bob')
    await member(victim.tcpPort, 'carol')
    for (const survivor of [onB, onC]) await survivor.waitFor(/is now known as carol$/, 10_000)

    victim.child.child.kill('SIGKILL')
    const leaves = (client: LineClient): string[] => client.lines.filter((l) => / left \(/.test(l)).sort()
    for (const survivor of [onB, onC]) await waitUntil(() => leaves(survivor).length >= 2, 'the leaves of bob and carol', 15_000)
    // A reaper that announced twice would do it at its next tick: wait out two more lease periods.
    await sleep(2 * leaseMs)
    for (const survivor of [onB, onC]) {
      expect(leaves(survivor)).toEqual([
        '* bob left (connection lost (its server stopped answering))',
        '* carol left (connection lost (its server stopped answering))'
      ])
    }
    onB.send('/who\n')
    expect(await onB.waitFor(/online:/)).toBe('* 2 online: onB, onC')
  })

  it('SIGSTOP then SIGCONT of an instance (shorter than its lease): nothing lost or doubled after it resumes', async () => {
    const redis = await rig.redis()
    const [a, b] = await Promise.all([instance(redis.url, 5000), instance(redis.url, 5000)])
    const onA = await member(a.tcpPort, 'alice')
    const onB = await member(b.tcpPort, 'bob')
    await onA.waitFor(/is now known as bob$/, 10_000)
    for (let i = 0; i < 20; i++) onB.send(`before ${i}\n`)
    await onA.waitFor('<bob> before 19', 10_000)
    a.child.child.kill('SIGSTOP')
    for (let i = 0; i < 50; i++) onB.send(`frozen ${i}\n`)
    // alice types while her server is frozen: the kernel holds her lines until it resumes.
    for (let i = 0; i < 5; i++) onA.send(`typed while frozen ${i}\n`)
    // Frozen for a while (well within its 5 s lease): its reader, lease and members' sockets all stall.
    await sleep(1000)
    a.child.child.kill('SIGCONT')
    await onA.waitFor('<bob> frozen 49', 15_000)
    await onB.waitFor('<alice> typed while frozen 4', 15_000)
    for (let i = 0; i < 20; i++) onB.send(`after ${i}\n`)
    await onA.waitFor('<bob> after 19', 10_000)
    const expected = [...[...Array(20).keys()].map((i) => `<bob> before ${i}`), ...[...Array(50).keys()].map((i) => `<bob> frozen ${i}`), ...[...Array(20).keys()].map((i) => `<bob> after ${i}`)]
    expect(said(onA)).toEqual(expected)
    expect(said(onB)).toEqual([...Array(5).keys()].map((i) => `<alice> typed while frozen ${i}`))
  })

  it('frozen past its lease: the others see its members leave; when it resumes it claims them again, re-announces them, and they go on talking', async () => {
    const redis = await rig.redis()
    const [a, b] = await Promise.all([instance(redis.url, 1500), instance(redis.url, 1500)])
    const alice = await member(a.tcpPort, 'alice')
    const bob = await member(b.tcpPort, 'bob')
    await alice.waitFor(/is now known as bob$/, 10_000)
    a.child.child.kill('SIGSTOP')
    await bob.waitFor(/^\* alice left \(connection lost/, 15_000)
    bob.send('said while alice was gone\n')
    a.child.child.kill('SIGCONT')
    await bob.waitFor('* alice joined', 15_000)
    await alice.waitFor('<bob> said while alice was gone', 15_000)
    await a.child.waitForLine(/had been reaped/, 10_000, { earlier: true })
    bob.send('/who\n')
    expect(await bob.waitFor(/online:/)).toBe('* 2 online: alice, bob') // alice keeps her place: she joined first
    alice.send('still here\n')
    expect(await bob.waitFor(/still here/, 10_000)).toBe('<alice> still here')
    await waitUntil(() => bob.lines.includes('* alice joined'), 'the re-announcement')
  })
})
