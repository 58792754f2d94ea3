/** Helpers for job processes: params from argv, messages to and from the parent. */
import v8 from 'node:v8'

export function params<T> (): T {
  return JSON.parse(process.argv[2] ?? '{}') as T
}

/** Run by hand (e.g. under --cpu-prof): no parent to take turns from, so a job runs once and prints. */
export function byHand (): boolean {
  return process.send === undefined
}

export function send (msg: { type: string, [key: string]: unknown }): void {
  // Run by hand (e.g. under --cpu-prof) there is no parent: print instead.
  if (byHand()) console.log(JSON.stringify(msg))
  else process.send!(msg)
}

type Handler = (msg: { type: string, [key: string]: unknown }) => void | Promise<void>
const handlers = new Map<string, Handler>()

/** Registers a handler for one message type from the parent. */
export function on (type: string, handler: Handler): void {
  handlers.set(type, handler)
}

process.on('message', (msg: { type: string }) => {
  const h = handlers.get(msg.type)
  if (h === undefined) {
    if (msg.type === 'stop') process.exit(0)
    return
  }
  Promise.resolve(h(msg as { type: string })).catch(fail)
})

// The parent is gone: never linger as an orphan holding ports and CPU.
process.on('disconnect', () => process.exit(0))
// Run by hand (profiling): Ctrl-C exits normally, so --cpu-prof still writes its profile.
if (byHand()) process.once('SIGINT', () => process.exit(0))

/** Reports an error to the parent and exits. */
export function fail (err: unknown): void {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
  setTimeout(() => process.exit(1), 50)
}

/** Runs the job's main function, reporting any error. */
export function main (fn: () => Promise<void>): void {
  fn().catch(fail)
}

export function gc (): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) { g(); g() }
}

export function rssBytes (): number {
  return process.memoryUsage.rss()
}

/** Committed size of V8's young generation: it grows under allocation bursts and shrinks when idle. */
export function youngGenerationBytes (): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0
}
