import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { Rig, redisAvailable, tcpNick } from './cluster-helpers.js'

const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

const DIGEST = /^\* (?:\+(\d+) joined(?: \([^)]*\))?)?(?:, )?(?:(\d+) left(?: \([^)]*\))?)? — (\d+) here$/

function tally (lines: readonly string[]): { joined: number, left: number, online: number[] } {
  const out = { joined: 0, left: 0, online: [] as number[] }
  for (const line of lines) {
    const m = DIGEST.exec(line)
    if (m === null) continue
    out.joined += Number(m[1] ?? 0)
    out.left += Number(m[2] ?? 0)
    out.online.push(Number(m[3]))
  }
  return out
}

describe.skipIf(!redisAvailable)('presence digests in a cluster', () => {
  it('each instance digests what its bus delivers, counting the members of every instance; a stopped instance\'s leaves come as a digest too', async () => {
    const redis = await rig.redis()
    const options = { presenceDigestAbove: 3, presenceDigestMs: 100, joinSniffMs: 0 }
    const a = await rig.instance(redis.url, options)
    const b = await rig.instance(redis.url, options)
    const alice = await rig.tcp(a.tcpPort)
    await tcpNick(alice, 'alice')
    const bob = await rig.tcp(b.tcpPort)
    await tcpNick(bob, 'bob')
    // Six more on B, none on A: A's members hear of them only through the log.
    await Promise.all(Array.from({ length: 6 }, async () => await rig.tcp(b.tcpPort)))
    await waitUntil(() => tally(alice.lines).joined + alice.lines.filter((l) => / joined$/.test(l)).length >= 7, 'A to hear of 7 joins', 10_000)
    const seen = tally(alice.lines)
    expect(seen.joined).toBeGreaterThan(0)
    // The count is the cluster's (claims in Redis), not A's one member.
    expect(seen.online.at(-1)).toBe(8)
    await waitUntil(() => tally(bob.lines).online.at(-1) === 8, 'B\'s digest to count 8', 10_000)

    // B stops cleanly: its cluster announces its members' leaves through the log, and A digests them.
    await b.server.close()
    await waitUntil(() => tally(alice.lines).left >= 7, 'A to hear of B\'s 7 leaves', 10_000)
    expect(alice.lines.filter((l) => / left \(/.test(l) && !DIGEST.test(l))).toEqual([])
    expect(tally(alice.lines).online.at(-1)).toBe(1)
  }, 30_000)
})
