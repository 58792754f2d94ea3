import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A port nothing listens on right now (another process may still take it before you bind). */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface ServerProcessOptions {
  /** True once the server serves (a PING answered, a TCP connect accepted); polled every 20 ms. */
  ready: () => Promise<boolean>
  timeoutMs: number
  /** Where its stdout/stderr lines go, bounded: the tail explains a failed start. */
  log: string[]
  /** The errors to reject with: the binary is not there, it exited first, it never became ready. */
  errors: {
    missing: (err: NodeJS.ErrnoException) => Error
    exited: (code: number | string, log: string[]) => Error
    timeout: () => Error
  }
}

const MAX_LOG_LINES = 2000

/**
 * Spawns a real server for a test (redis-server, mosquitto) and resolves once
 * `ready()` says it serves; a failure to start kills what was spawned and
 * rejects with the caller's coded error. After a successful start an exit is
 * no error of this function's.
 */
export async function spawnUntilReady (command: string, args: readonly string[], options: ServerProcessOptions): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line !== '' && options.log.length < MAX_LOG_LINES) options.log.push(line)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? options.errors.missing(err) : err))
    child.once('exit', (code, signal) => reject(options.errors.exited(code ?? signal ?? '?', options.log)))
  })
  failed.catch(() => {}) // observed below; after a successful start an exit is no error
  const becameReady = async (): Promise<void> => {
    const deadline = Date.now() + options.timeoutMs
    while (!await options.ready()) {
      if (Date.now() > deadline) throw options.errors.timeout()
      await sleep(20)
    }
  }
  try {
    await Promise.race([becameReady(), failed])
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return child
}
