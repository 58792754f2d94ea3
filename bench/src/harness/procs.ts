import { spawn, type ChildProcess } from 'node:child_process'

/** Longest partial line kept while waiting for its newline: a child that never prints one cannot grow us. */
const MAX_PARTIAL_LINE = 64 * 1024
/** Output kept for error messages. */
const TAIL_CHARS = 4000

interface LineWaiter { re: RegExp, resolve: (m: RegExpMatchArray) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }

const live = new Set<Proc>()
// A benchmark that throws, a Ctrl-C (main.ts exits on SIGINT) or a crash must not leave a
// redis-server or an app instance holding ports: every process still running is killed at exit.
process.on('exit', () => { for (const p of live) p.child.kill('SIGKILL') })

export interface ProcOptions {
  env?: NodeJS.ProcessEnv
  /** Killed after this long whatever it does: every child is bounded in time. */
  timeoutMs: number
}

/**
 * A plain child process that is not a bench job (redis-server, an app's own `dist/main.js`):
 * no IPC, so it is driven by what it prints. `waitFor` matches stdout and stderr line by line.
 */
export class Proc {
  readonly name: string
  readonly child: ChildProcess
  readonly exited: Promise<void>
  readonly #waiters: LineWaiter[] = []
  readonly #killTimer: NodeJS.Timeout
  #partial = ''
  #tail = ''
  #exitError: Error | null = null

  constructor (name: string, cmd: string, args: readonly string[], options: ProcOptions) {
    this.name = name
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
    live.add(this)
    // Both pipes are always read: a child writing its log synchronously would block on a full pipe.
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => this.#onOutput(d))
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => this.#onOutput(d))
    this.child.on('error', (err) => this.#fail(err))
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        live.delete(this)
        clearTimeout(this.#killTimer)
        this.#fail(new Error(`${name} exited (code ${code}, signal ${signal})${this.#tail ? ': ' + this.tail(6) : ''}`))
        resolve()
      })
    })
    this.#killTimer = setTimeout(() => {
      this.#fail(new Error(`${name} exceeded ${options.timeoutMs} ms`))
      this.child.kill('SIGKILL')
    }, options.timeoutMs)
    this.#killTimer.unref()
  }

  get running (): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** The last `lines` lines of output, for error messages. */
  tail (lines: number): string {
    return this.#tail.trim().split('\n').slice(-lines).join('\n')
  }

  /** The first line printed from now on that matches `re`; rejects if the process exits or the time runs out. */
  waitFor (re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    if (this.#exitError) return Promise.reject(this.#exitError)
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = {
        re,
        resolve: (m) => { clearTimeout(waiter.timer); resolve(m) },
        reject: (e) => { clearTimeout(waiter.timer); reject(e) },
        timer: setTimeout(() => {
          this.#drop(waiter)
          reject(new Error(`${this.name}: no line matching ${String(re)} within ${timeoutMs} ms${this.#tail ? '; last output: ' + this.tail(3) : ''}`))
        }, timeoutMs)
      }
      this.#waiters.push(waiter)
    })
  }

  /** SIGTERM (the app drains), then SIGKILL if it has not exited after `graceMs`. */
  async stop (graceMs = 3000): Promise<void> {
    if (!this.running) return
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(t)
  }

  /** SIGKILL, awaited: a crash, not a shutdown. */
  async kill (): Promise<void> {
    if (!this.running) return
    this.child.kill('SIGKILL')
    await this.exited
  }

  #onOutput (text: string): void {
    this.#tail = (this.#tail + text).slice(-TAIL_CHARS)
    if (this.#waiters.length === 0) { this.#partial = ''; return }
    const lines = (this.#partial + text).split('\n')
    this.#partial = (lines.pop() ?? '').slice(-MAX_PARTIAL_LINE)
    for (const line of lines) {
      for (const w of [...this.#waiters]) {
        const m = line.match(w.re)
        if (m !== null) { this.#drop(w); w.resolve(m) }
      }
    }
  }

  #drop (w: LineWaiter): void {
    const k = this.#waiters.indexOf(w)
    if (k !== -1) this.#waiters.splice(k, 1)
  }

  #fail (err: Error): void {
    this.#exitError ??= err
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }
}
