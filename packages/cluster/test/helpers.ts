import { onTestFinished } from 'vitest'
import { commandAvailable, startRedisServer, waitUntil, type RedisServerHandle, type RedisServerOptions } from '@eventwire/testkit'
import { connectRedis, type ConnectOptions, type RedisLink, type LinkState } from '../src/connection.js'
import type { LogEntry } from '../src/stream-log.js'
import type { Gap, Reset, TailHandler } from '../src/tail-reader.js'

/**
 * Whether redis-server is installed: without it these suites skip (`pnpm test` says once what to
 * install; CI installs it, so nothing skips there).
 */
export const redisAvailable = commandAvailable(process.env.REDIS_SERVER_BIN ?? 'redis-server')

/** A redis-server for this test only, stopped when it finishes. */
export async function redisForTest (options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const server = await startRedisServer(options)
  onTestFinished(async () => await server.stop())
  return server
}

/** A connected link, quit when the test finishes (registered before the server's stop, so it runs first). */
export async function linkForTest (url: string, options: ConnectOptions = {}): Promise<RedisLink> {
  const link = await connectRedis(url, { commandTimeoutMs: 1000, retryMaxMs: 200, ...options })
  onTestFinished(async () => await link.quit())
  return link
}

/** Registers `close` to run when the test finishes. */
export function closeAfter<T extends { close: () => Promise<void> }> (thing: T): T {
  onTestFinished(async () => await thing.close())
  return thing
}

/** A tail handler that records everything it is told. */
export function collector (): { entries: LogEntry[], gaps: Gap[], resets: Reset[], errors: Error[], states: LinkState[], handler: TailHandler, waitFor: (n: number, timeoutMs?: number) => Promise<void> } {
  const entries: LogEntry[] = []
  const gaps: Gap[] = []
  const resets: Reset[] = []
  const errors: Error[] = []
  const states: LinkState[] = []
  const handler: TailHandler = {
    entries: (batch) => { entries.push(...batch) },
    gap: (g) => { gaps.push(g) },
    reset: (r) => { resets.push(r) },
    error: (e) => { errors.push(e) },
    state: (s) => { states.push(s) }
  }
  const waitFor = async (n: number, timeoutMs = 15_000): Promise<void> => {
    await waitUntil(() => entries.length >= n, `${n} entries (have ${entries.length})`, timeoutMs)
  }
  return { entries, gaps, resets, errors, states, handler, waitFor }
}

/** Resolves with the first state change of `link` equal to `state` (at once if it is already). */
export async function stateOf (link: RedisLink, state: LinkState, timeoutMs = 10_000): Promise<void> {
  await waitUntil(() => link.state === state, `link ${link.options.name} ${state}`, timeoutMs)
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection (promise: Promise<unknown>): Promise<Error & { code?: string, uncertain?: boolean }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string, uncertain?: boolean }
  }
  throw new Error('expected a rejection, but it resolved')
}

/** Rejects if `promise` has not settled after `ms`: a hang detector, not a speed limit. */
export async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms) })
  try {
    return await Promise.race([promise, hang])
  } finally {
    clearTimeout(timer)
  }
}
