import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

/** The bench package root: jobs are resolved from here and tsx is found from here. */
export const BENCH_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function newestMtime (dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

let compiled: boolean | null = null

/**
 * Jobs run as compiled JS under plain node when dist/ is up to date (`pnpm bench`
 * builds it): the tsx loader alone adds ~35 MiB of RSS, which would distort every
 * memory figure. Otherwise they fall back to tsx on the sources.
 */
function useCompiled (): boolean {
  if (compiled === null) {
    const dist = path.join(BENCH_ROOT, 'dist/jobs')
    compiled = existsSync(dist) && newestMtime(dist) >= newestMtime(path.join(BENCH_ROOT, 'src'))
    if (!compiled) console.log('   (jobs run under tsx: dist/ is missing or older than src/; absolute RSS figures include ~35 MiB of loader — run `pnpm --filter @eventwire/bench build` first)')
  }
  return compiled
}

/** How jobs were run, for the notes: absolute RSS depends on it. */
export function jobRuntime (): string {
  return useCompiled() ? 'node dist/jobs/*.js' : 'node --import tsx src/jobs/*.ts'
}

export interface JobMessage { type: string, [key: string]: unknown }

export interface JobOptions {
  /** Extra node flags, e.g. --expose-gc. */
  nodeFlags?: string[]
  /** The job is killed after this long whatever it does: every child is bounded in time. */
  timeoutMs: number
  /**
   * Raise the job's open-files limit (soft and hard) to this: the 100,000-member
   * runs need more descriptors than a login shell's 1,024 or 20,000. The job is
   * started through util-linux's `prlimit`, which execs node in place (same pid,
   * IPC channel inherited), so the limit holds from its first instruction.
   * Raising the hard limit needs root (CAP_SYS_RESOURCE); without it the job fails to start and says so.
   */
  openFiles?: number
}

const live = new Set<Job>()

/**
 * One benchmark worker in its own process (fresh heap, own RSS, own core).
 * Talks over IPC: the job sends `{type, ...}` messages; `next(type)` awaits one.
 */
export class Job {
  readonly name: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  readonly #inbox: JobMessage[] = []
  readonly #waiters: Array<{ type: string, resolve: (m: JobMessage) => void, reject: (e: Error) => void }> = []
  readonly #killTimer: NodeJS.Timeout
  #exitError: Error | null = null
  #stderr = ''

  constructor (name: string, params: unknown, options: JobOptions) {
    this.name = name
    const js = useCompiled()
    const file = path.join(BENCH_ROOT, js ? 'dist/jobs' : 'src/jobs', `${name}.${js ? 'js' : 'ts'}`)
    const nodeArgs = [...(js ? [] : ['--import', 'tsx']), ...(options.nodeFlags ?? [])]
    const limited = options.openFiles !== undefined
    this.child = fork(file, [JSON.stringify(params ?? {})], {
      cwd: BENCH_ROOT,
      execPath: limited ? 'prlimit' : process.execPath,
      execArgv: limited ? [`--nofile=${options.openFiles}:${options.openFiles}`, process.execPath, ...nodeArgs] : nodeArgs,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' }
    })
    live.add(this)
    this.child.stderr?.on('data', (d: Buffer) => {
      // Keep the tail only: a noisy child must not grow the parent's memory.
      this.#stderr = (this.#stderr + d.toString()).slice(-4000)
    })
    this.child.on('message', (m: JobMessage) => this.#deliver(m))
    this.child.on('error', (err) => this.#fail(err))
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        live.delete(this)
        clearTimeout(this.#killTimer)
        this.#fail(new Error(`job ${name} exited (code ${code}, signal ${signal})${this.#stderr ? ': ' + this.#stderr.trim().split('\n').slice(-6).join('\n') : ''}`))
        resolve(code)
      })
    })
    this.#killTimer = setTimeout(() => {
      this.#fail(new Error(`job ${name} exceeded ${options.timeoutMs} ms`))
      this.child.kill('SIGKILL')
    }, options.timeoutMs)
    this.#killTimer.unref()
  }

  get pid (): number | undefined {
    return this.child.pid
  }

  send (msg: JobMessage): void {
    if (this.child.connected) this.child.send(msg)
  }

  /** The next message of this type (or any earlier one not yet taken). */
  next<T extends JobMessage = JobMessage> (type: string, timeoutMs = 120_000): Promise<T> {
    const i = this.#inbox.findIndex((m) => m.type === type || m.type === 'error')
    if (i !== -1) {
      const m = this.#inbox.splice(i, 1)[0]!
      return m.type === 'error' ? Promise.reject(new Error(`job ${this.name}: ${String(m.message)}`)) : Promise.resolve(m as T)
    }
    if (this.#exitError) return Promise.reject(this.#exitError)
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const k = this.#waiters.indexOf(waiter)
        if (k !== -1) this.#waiters.splice(k, 1)
        reject(new Error(`job ${this.name}: no '${type}' within ${timeoutMs} ms`))
      }, timeoutMs)
      const waiter = {
        type,
        resolve: (m: JobMessage) => { clearTimeout(timer); resolve(m as T) },
        reject: (e: Error) => { clearTimeout(timer); reject(e) }
      }
      this.#waiters.push(waiter)
    })
  }

  /** Sends a request and awaits its reply type. */
  async ask<T extends JobMessage = JobMessage> (msg: JobMessage, replyType: string, timeoutMs?: number): Promise<T> {
    const reply = this.next<T>(replyType, timeoutMs)
    this.send(msg)
    return await reply
  }

  /** Asks the job to stop, then kills it if it does not exit promptly. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.send({ type: 'stop' })
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000)
    await this.exited
    clearTimeout(t)
  }

  #deliver (m: JobMessage): void {
    const k = this.#waiters.findIndex((w) => w.type === m.type || m.type === 'error')
    if (k === -1) {
      this.#inbox.push(m)
      return
    }
    const w = this.#waiters.splice(k, 1)[0]!
    if (m.type === 'error') w.reject(new Error(`job ${this.name}: ${String(m.message)}`))
    else w.resolve(m)
  }

  #fail (err: Error): void {
    this.#exitError ??= err
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }
}

export function startJob (name: string, params: unknown, options: JobOptions): Job {
  return new Job(name, params, options)
}

/** Kills every job still running (used on SIGINT and at exit). */
export function killAllJobs (): void {
  for (const job of live) job.child.kill('SIGKILL')
}

/** Runs `fn` with jobs, always stopping them after. */
export async function withJobs<T> (jobs: Job[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } finally {
    await Promise.all(jobs.map(async (j) => await j.stop()))
  }
}
