// Rough figures for the README (not a benchmark against peers: that is the bench package's job).
// Run: pnpm --filter @eventwire/testkit build && pnpm exec tsx scripts/measure.ts
import { startRedisServer, waitUntil } from '@eventwire/testkit'
import { connectRedis } from '../src/connection.js'
import { StreamLog } from '../src/stream-log.js'

const N = Number(process.env.N ?? 20_000)

async function main (): Promise<void> {
  for (const appendonly of [false, true]) {
    const server = await startRedisServer({ appendonly })
    try {
      await measure(server.url, appendonly)
    } finally {
      await server.stop()
    }
  }
}

async function measure (url: string, appendonly: boolean): Promise<void> {
  const a = await connectRedis(url, { name: 'a' })
  const b = await connectRedis(url, { name: 'b' })
  const logA = new StreamLog(a, 'bench')
  const logB = new StreamLog(b, 'bench')
  let delivered = 0
  let missed = 0
  const reader = await logA.tail('end', { entries: (batch) => { delivered += batch.length }, gap: (g) => { missed += g.missed } })

  let t = performance.now()
  for (let i = 0; i < 2000; i++) await logA.append(`s${i}`, { dedupeId: `s${i}` })
  const oneAtATime = 2000 / ((performance.now() - t) / 1000)

  t = performance.now()
  // Two publishers, each with up to 100 appends in flight (a burst of 20,000 at once only measures Node's queueing).
  const publish = async (log: StreamLog, tag: string): Promise<void> => {
    let next = 0
    await Promise.all(Array.from({ length: 100 }, async () => {
      while (next < N / 2) { const i = next++; await log.append(`${tag}${i}`, { dedupeId: `${tag}${i}` }) }
    }))
  }
  await Promise.all([publish(logA, 'a'), publish(logB, 'b')])
  const concurrent = N / ((performance.now() - t) / 1000)
  await waitUntil(() => delivered + missed === 2000 + N, 'all delivered', 60_000)
  const endToEnd = N / ((performance.now() - t) / 1000)

  console.log(`appendonly=${appendonly ? 'yes (fsync always)' : 'no'}: one at a time ${oneAtATime.toFixed(0)}/s; ${N} concurrent from 2 connections ${concurrent.toFixed(0)}/s; reader got ${delivered} of ${2000 + N} (gap: ${missed}), the concurrent ones at ${endToEnd.toFixed(0)}/s end to end`)
  await reader.close()
  await a.quit()
  await b.quit()
}

await main()
