import { afterEach, describe, expect, it } from 'vitest'
import net from 'node:net'
import { once } from 'node:events'
import { RemoteEmitter } from '../src/index.js'
import { Sweep } from '../src/sweep.js'
import { tcpServer } from './helpers.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function timers (): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

describe('shared heartbeat sweep', () => {
  it('200 connections with heartbeats (passive servers, active clients) add a constant number of timers, none once closed', async () => {
    const servers: RemoteEmitter[] = []
    const srv = await tcpServer((socket) => servers.push(new RemoteEmitter(socket, { heartbeat: { active: false, timeoutMs: 60_000 } })))
    cleanups.push(srv.close)
    const before = timers()
    const clients: RemoteEmitter[] = []
    for (let i = 0; i < 200; i++) {
      const socket = net.connect(srv.port, '127.0.0.1')
      socket.on('error', () => {})
      await once(socket, 'connect')
      clients.push(new RemoteEmitter(socket, { heartbeat: { intervalMs: 20_000 } }))
    }
    while (servers.length < 200) await new Promise((resolve) => setTimeout(resolve, 5))
    // One sweep for the passive period, one for the active one: not 400.
    expect(timers() - before).toBeLessThanOrEqual(2)
    for (const c of clients) c.destroy()
    for (const s of servers) s.destroy()
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('visits every member each period and stops its timer when the last one leaves', async () => {
    let emptied = 0
    const sweep = new Sweep(5, () => { emptied++ })
    const seen: number[] = []
    const a = { tick: () => { seen.push(1) } }
    const b = { tick: () => { seen.push(2); sweep.delete(b) } }
    sweep.add(a)
    sweep.add(b)
    while (seen.filter((x) => x === 1).length < 3) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(seen.filter((x) => x === 2)).toEqual([2])
    sweep.delete(a)
    expect(emptied).toBe(1)
    expect(sweep.size).toBe(0)
  })
})
