import type { ServiceLogger } from './logger.js'

export interface RunningService {
  /** Stop accepting, tell clients, finish in-flight work. Resolves when done. */
  close: () => Promise<void>
}

export interface RunServiceOptions {
  name: string
  logger: ServiceLogger
  /** Builds and starts the service; throws (ConfigError, EADDRINUSE) to abort start-up with exit 1. */
  start: () => Promise<RunningService>
  /** After this long a drain is abandoned and the process exits 1. Default 10 s. */
  shutdownTimeoutMs?: number
  /** Signals that drain; a second one exits at once. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[]
}

/**
 * The part of every main.ts that is the same: start, log, and on SIGTERM drain
 * and exit 0 (exit 1 if the drain fails or overruns its deadline).
 */
export async function runService (options: RunServiceOptions): Promise<void> {
  const { name, logger } = options
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000
  let service: RunningService
  try {
    service = await options.start()
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start: ${(err as Error).message}`)
    process.exitCode = 1
    return
  }

  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the drain')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal }, `${name} draining`)
    const deadline = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'drain overran its deadline; exiting')
      process.exit(1)
    }, shutdownTimeoutMs)
    deadline.unref()
    service.close().then(() => {
      clearTimeout(deadline)
      for (const s of signals) process.off(s, onSignal)
      logger.info(`${name} stopped`)
      logger.flush()
      process.exit(0)
    }, (err: unknown) => {
      logger.error({ err }, 'drain failed')
      process.exit(1)
    })
  }
  for (const s of signals) process.on(s, onSignal)
}
