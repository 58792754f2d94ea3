import { existsSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Proc } from './procs.js'

/** Debian's redis-server (7.0), then whatever PATH has. */
export function redisServerPath (): string | null {
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)]
  for (const dir of dirs) {
    const p = path.join(dir, 'redis-server')
    if (existsSync(p)) return p
  }
  return null
}

/** A port nothing listens on right now (the kernel's pick for port 0, released at once). */
export async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const READY = /Ready to accept connections/
const START_TIMEOUT_MS = 10_000
/** A redis-server outlives no benchmark: the longest measurement is well under this. */
const LIFETIME_MS = 300_000

/**
 * One redis-server for one measurement: loopback only, no persistence (so a restart starts
 * empty, as a crashed cache without appendonly does), started on a free port and stopped after.
 */
export class RedisServer {
  readonly port: number
  #proc: Proc

  private constructor (port: number, proc: Proc) {
    this.port = port
    this.#proc = proc
  }

  /** Starts on a free port; a port taken between the pick and the bind is retried, at most 3 times. */
  static async start (): Promise<RedisServer> {
    let last: Error | null = null
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort()
      try {
        return new RedisServer(port, await spawnRedis(port))
      } catch (err) {
        last = err as Error
      }
    }
    throw new Error(`redis-server did not start: ${last?.message ?? 'unknown'}`)
  }

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** SIGKILL, `downMs` with nothing listening, then a fresh (empty) redis-server on the same port. */
  async restart (downMs: number): Promise<{ downMs: number }> {
    const t0 = Date.now()
    await this.#proc.kill()
    await new Promise((resolve) => setTimeout(resolve, downMs))
    this.#proc = await spawnRedis(this.port)
    return { downMs: Date.now() - t0 }
  }

  async stop (): Promise<void> {
    await this.#proc.stop(2000)
  }
}

async function spawnRedis (port: number): Promise<Proc> {
  const bin = redisServerPath()
  if (bin === null) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)')
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', os.tmpdir(), '--daemonize', 'no']
  const proc = new Proc(`redis-server :${port}`, bin, args, { timeoutMs: LIFETIME_MS })
  try {
    await proc.waitFor(READY, START_TIMEOUT_MS)
  } catch (err) {
    await proc.kill()
    throw err
  }
  return proc
}
