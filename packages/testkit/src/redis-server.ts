import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, spawnUntilReady } from './server-process.js'

/** A real redis-server child on 127.0.0.1, for tests. */
export interface RedisServerHandle {
  port: number
  url: string
  /** The data directory (the AOF lives here when `appendonly` is on). */
  dir: string
  /** SIGTERM (SIGKILL after a grace), then removes the directory if this helper created it. */
  stop: () => Promise<void>
  /** SIGKILL: a crash, nothing flushed beyond what is already on disk. */
  kill: () => Promise<void>
  /** Stops it if running (SIGTERM), then starts it again on the same port and dir and waits for PING. */
  restart: () => Promise<void>
  /** SIGSTOP: the process is frozen, its sockets stay open (a hung server, not a dead one). */
  pause: () => void
  /** SIGCONT. */
  resume: () => void
}

export interface RedisServerOptions {
  /** Turns the append-only file on, with `appendfsync always` so every acknowledged write survives a SIGKILL. */
  appendonly?: boolean
  /** Data directory; default a fresh temporary one, removed by `stop()`. */
  dir?: string
  /** How long to wait for PONG after a start; default 10 s. */
  startTimeoutMs?: number
}

/**
 * Spawns `redis-server` on a free port (no RDB snapshots, AOF only when asked) and waits until it
 * answers PING. Rejects with code `REDIS_SERVER_MISSING` when the binary is not installed.
 */
export async function startRedisServer (options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const ownDir = options.dir === undefined
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'eventwire-redis-'))
  const timeoutMs = options.startTimeoutMs ?? 10_000
  let child: ChildProcess | undefined
  let port = 0
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    try {
      child = await spawnRedis(port, dir, options.appendonly === true, timeoutMs)
      break
    } catch (err) {
      if ((err as { code?: string }).code === 'REDIS_SERVER_MISSING' || attempt >= 2) {
        if (ownDir) await rm(dir, { recursive: true, force: true })
        throw err
      }
    }
  }
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null
  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    if (child === undefined || !alive()) return
    const exited = once(child, 'exit')
    child.kill('SIGCONT') // a paused server cannot act on SIGTERM
    child.kill(signal)
    const timer = setTimeout(() => child?.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      await signalAndWait('SIGTERM')
      if (ownDir) await rm(dir, { recursive: true, force: true })
    },
    kill: async () => await signalAndWait('SIGKILL'),
    restart: async () => {
      await signalAndWait('SIGTERM')
      child = await spawnRedis(port, dir, options.appendonly === true, timeoutMs)
    },
    pause: () => { if (alive()) child?.kill('SIGSTOP') },
    resume: () => { if (alive()) child?.kill('SIGCONT') }
  }
}

async function spawnRedis (port: number, dir: string, appendonly: boolean, timeoutMs: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
    '--appendonly', appendonly ? 'yes' : 'no', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning']
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server'
  return await spawnUntilReady(bin, args, {
    ready: async () => await ping(port),
    timeoutMs,
    log: [],
    errors: {
      missing: () => Object.assign(new Error(`${bin} not found: install Redis 7 (apt-get install redis-server) or set REDIS_SERVER_BIN`), { code: 'REDIS_SERVER_MISSING' }),
      exited: (code, log) => Object.assign(new Error(`redis-server exited (${String(code)}) before answering PING: ${log.join('\n').trim().slice(-500)}`), { code: 'REDIS_SERVER_EXITED' }),
      timeout: () => Object.assign(new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`), { code: 'REDIS_SERVER_TIMEOUT' })
    }
  })
}

/** One raw PING over RESP; true on +PONG (a LOADING error while the AOF is read counts as not yet). */
async function ping (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let answer = ''
    const done = (ok: boolean): void => { clearTimeout(timer); socket.destroy(); resolve(ok) }
    const timer = setTimeout(() => done(false), 500)
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      answer += chunk.toString()
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'))
    })
  })
}
