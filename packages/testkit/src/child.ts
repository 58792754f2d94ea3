import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { LineSplitter } from '@eventwire/protocol'

/** A child process whose stdout and stderr lines are collected for assertions. */
export interface ChildHandle {
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  /**
   * Resolves with the first matching line (stdout or stderr) printed after this
   * call, or at any time with `{ earlier: true }`; rejects on timeout or exit.
   */
  waitForLine: (match: RegExp, timeoutMs?: number, options?: { earlier?: boolean }) => Promise<string>
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  stop: (graceMs?: number) => Promise<number | string>
}

/** Spawns `node args...` (or any command) and collects its output line by line. */
export function startChild (command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv, cwd?: string } = {}): ChildHandle {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  const stdout: string[] = []
  const stderr: string[] = []
  const listeners = new Set<() => void>()
  for (const [stream, lines] of [[child.stdout, stdout], [child.stderr, stderr]] as const) {
    const splitter = new LineSplitter({ maxLineBytes: 16 * 1024 * 1024, onLine: (l) => { lines.push(l); for (const f of listeners) f() }, onError: () => {} })
    stream.on('data', (chunk: Buffer) => splitter.push(chunk))
  }
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  let done = false
  void exited.then(() => { done = true; for (const f of listeners) f() })

  const waitForLine = (match: RegExp, timeoutMs = 10_000, { earlier = false } = {}): Promise<string> => new Promise((resolve, reject) => {
    const outFrom = earlier ? 0 : stdout.length
    const errFrom = earlier ? 0 : stderr.length
    const check = (): void => {
      const hit = stdout.slice(outFrom).find((l) => match.test(l)) ?? stderr.slice(errFrom).find((l) => match.test(l))
      if (hit !== undefined) return finish(null, hit)
      if (done) finish(new Error(`process exited before printing ${String(match)}; stderr: ${stderr.slice(-5).join(' | ')}`))
    }
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${String(match)}; stdout: ${stdout.slice(-5).join(' | ')}; stderr: ${stderr.slice(-5).join(' | ')}`)), timeoutMs)
    const finish = (err: Error | null, line?: string): void => {
      clearTimeout(timer)
      listeners.delete(check)
      if (err) reject(err)
      else resolve(line as string)
    }
    listeners.add(check)
    check()
  })

  const stop = async (graceMs = 5000): Promise<number | string> => {
    if (!done) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const result = await exited
      clearTimeout(timer)
      return result
    }
    return await exited
  }
  return { child, stdout, stderr, waitForLine, exited, stop }
}
