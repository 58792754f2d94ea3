import { afterEach, describe, expect, it } from 'vitest'
import net from 'node:net'
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { ErrorCodes, reconnect, type Reconnector } from '../src/index.js'
import { tcpServer } from './helpers.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A port that was free a moment ago: connections to it are refused. */
async function closedPort (): Promise<number> {
  const srv = await tcpServer()
  await srv.close()
  return srv.port
}

function track (link: Reconnector<net.Socket>): { delays: number[], events: string[] } {
  const delays: number[] = []
  const events: string[] = []
  link.on('reconnect', (_attempt, delayMs) => { delays.push(delayMs); events.push('reconnect') })
  link.on('connect', () => events.push('connect'))
  link.on('disconnect', () => events.push('disconnect'))
  link.on('fail', () => events.push('fail'))
  cleanups.push(() => link.stop())
  return { delays, events }
}

describe('reconnect', () => {
  it('a refused connection is an event, never an unhandled error; failAfter emits fail', async () => {
    const port = await closedPort()
    const link = reconnect(() => net.connect(port, '127.0.0.1'), { initialDelayMs: 5, maxDelayMs: 40, jitter: 0, failAfter: 5 })
    const { delays, events } = track(link)
    const [err] = await once(link, 'fail')
    expect(err.code).toBe(ErrorCodes.RECONNECT_FAILED)
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
    expect(delays).toEqual([5, 10, 20, 40])
    expect(events.filter((e) => e === 'connect')).toEqual([])
    expect(link.stopped).toBe(true)
  })

  it('connects, and reconnects after the server restarts on the same port', async () => {
    const srv = await tcpServer()
    const link = reconnect(() => net.connect(srv.port, '127.0.0.1'), { initialDelayMs: 10, maxDelayMs: 50, jitter: 0, stableAfterMs: 0 })
    const { events } = track(link)
    await once(link, 'connect')
    await srv.close()
    await once(link, 'disconnect')
    await new Promise((r) => setTimeout(r, 80)) // a few refused attempts while it is down
    const back = net.createServer((s) => s.on('error', () => {}))
    back.listen(srv.port, '127.0.0.1')
    cleanups.push(() => new Promise<void>((resolve) => { back.close(() => resolve()); for (const s of [link.socket]) s?.destroy() }))
    await once(link, 'connect')
    expect(events[0]).toBe('connect')
    expect(events[1]).toBe('disconnect')
    expect(events.at(-1)).toBe('connect')
    expect(events.filter((e) => e === 'reconnect').length).toBeGreaterThanOrEqual(2)
  })

  it('a flapping server (accepts, then closes at once) keeps the delay growing', async () => {
    let accepted = 0
    const srv = await tcpServer((socket) => { accepted++; socket.destroy() })
    cleanups.push(srv.close)
    const link = reconnect(() => net.connect(srv.port, '127.0.0.1'), { initialDelayMs: 5, maxDelayMs: 1000, jitter: 0, stableAfterMs: 500 })
    const { delays } = track(link)
    await new Promise<void>((resolve) => link.on('reconnect', () => { if (delays.length === 5) resolve() }))
    expect(delays).toEqual([5, 10, 20, 40, 80])
    expect(accepted).toBeGreaterThanOrEqual(4)
  })

  it('the backoff resets only after a connection lived stableAfterMs', async () => {
    const sockets: net.Socket[] = []
    const srv = await tcpServer((socket) => sockets.push(socket))
    cleanups.push(srv.close)
    const link = reconnect(() => net.connect(srv.port, '127.0.0.1'), { initialDelayMs: 5, jitter: 0, stableAfterMs: 60 })
    const { delays } = track(link)
    await once(link, 'connect')
    sockets.at(-1)?.destroy() // short-lived: counts as a failure
    await once(link, 'connect')
    sockets.at(-1)?.destroy()
    await once(link, 'connect')
    await new Promise((r) => setTimeout(r, 100)) // now stable
    sockets.at(-1)?.destroy()
    await once(link, 'connect')
    expect(delays).toEqual([5, 10, 5])
  })

  it('abandons an attempt after connectTimeoutMs', async () => {
    // A connect() that never completes: a duplex that claims to be connecting forever.
    const { PassThrough } = await import('node:stream')
    const link = reconnect(() => Object.assign(new PassThrough(), { connecting: true }) as unknown as net.Socket, { connectTimeoutMs: 30, initialDelayMs: 5, jitter: 0, failAfter: 2 })
    const errors: Array<Error | null> = []
    link.on('reconnect', (_a, _d, err) => errors.push(err))
    cleanups.push(() => link.stop())
    const [err] = await once(link, 'fail')
    expect(errors[0]).toMatchObject({ code: ErrorCodes.CONNECT_TIMEOUT })
    expect(err.cause).toMatchObject({ code: ErrorCodes.CONNECT_TIMEOUT })
  })

  it('stop() leaves no timer or socket behind: a process using it exits by itself', async () => {
    const script = fileURLToPath(new URL('./fixtures/stop-exits.ts', import.meta.url))
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const started = Date.now()
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd, timeout: 15_000 })
    expect(stdout.trim()).toBe('stopped')
    // The stopped link had a 60 s retry pending; exiting well before proves it was cleared.
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
