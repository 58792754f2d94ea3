import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type Started } from './helpers.js'

let started: Started | undefined
const sockets: net.Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await started?.server.close()
  started = undefined
})

/** A bare netcat-like member that only counts: how many online at its welcome, joins seen, a marker line. */
interface Counter { online: number, joins: number, marked: number, socket: net.Socket }

async function member (port: number, mark: string): Promise<Counter> {
  const socket = net.connect(port, '127.0.0.1')
  sockets.push(socket)
  socket.setEncoding('utf8')
  const counter: Counter = { online: -1, joins: 0, marked: 0, socket }
  let rest = ''
  return await new Promise((resolve, reject) => {
    socket.on('error', reject)
    socket.on('data', (text: string) => {
      const lines = (rest + text).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('* Welcome')) {
          counter.online = Number(/! (\d+) online/.exec(line)?.[1])
          resolve(counter)
        } else if (line.endsWith(' joined')) counter.joins++
        else if (line.includes(mark)) counter.marked++
      }
    })
  })
}

describe('a room past 1,000 TCP members', () => {
  it('announces every join to everyone already there, and a message reaches all', async () => {
    // Past 1,000 readers the transport flushes at most every 10 ms: this checks that the
    // coalesced writes lose and reorder nothing.
    // Presence digests off: this test is about 1,100² join lines surviving the coalesced writes.
    started = await startServer({ rateLimit: { burst: 1e6, perSecond: 1e6 }, presenceDigestAbove: 0 })
    const n = 1100
    const members: Counter[] = []
    for (let i = 0; i < n; i += 100) {
      members.push(...await Promise.all(Array.from({ length: Math.min(100, n - i) }, async () => await member(started!.tcpPort, 'big-room-hello'))))
    }
    // The member who was k-th to join sees the n - k joins after it.
    const expected = (c: Counter): number => n - c.online
    const deadline = Date.now() + 20_000
    while (members.some((c) => c.joins < expected(c)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(members.map((c) => c.online).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => k + 1))
    expect(members.filter((c) => c.joins !== expected(c)).map((c) => ({ online: c.online, joins: c.joins }))).toEqual([])

    members[0]!.socket.write('big-room-hello everyone\n')
    while (members.slice(1).some((c) => c.marked === 0) && Date.now() < deadline + 10_000) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(members.slice(1).filter((c) => c.marked !== 1).length).toBe(0)
    expect(members[0]!.marked).toBe(0)
  }, 60_000)
})
