import { readConfig, type ConfigValues, type OptionSpec } from './config.js'
import type { ServiceLogger } from './logger.js'
import { explainStartError, portVariables } from './start-errors.js'

export interface RunningService {
  /** Stop accepting, tell clients, finish in-flight work. Resolves when done. */
  close: () => Promise<void>
}

export interface RunServiceOptions<S extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  name: string
  logger: ServiceLogger
  /**
   * The app's option specs: runService reads them (a bad value is one line and
   * exit 2) and hands the values to start(), and names a port that is in use
   * by its variable (`DOOR_WEB_PORT 8002 is in use; set DOOR_WEB_PORT to a free port`).
   */
  specs?: S
  /** Builds and starts the service; throws (ConfigError, EADDRINUSE) to abort start-up (exit 2 for a setting, 1 otherwise). */
  start: (config: ConfigValues<S>) => Promise<RunningService>
  /** After this long a drain is abandoned and the process exits 1. Default 10 s. */
  shutdownTimeoutMs?: number
  /** Signals that drain; a second one exits at once. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[]
  /** Port variables and the ports tried (see portVariables), so a port in use is named by its variable. */
  ports?: () => Record<string, number>
}

/**
 * The part of every main.ts that is the same: start, log, and on SIGTERM drain
 * and exit 0 (exit 1 if the drain fails or overruns its deadline).
 */
export async function runService<S extends Record<string, OptionSpec>> (options: RunServiceOptions<S>): Promise<void> {
  const { name, logger } = options
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000
  let service: RunningService | null = null
  let config: ConfigValues<S> | Record<string, never> = {}
  let ports: () => Record<string, number> = options.ports ?? (() => ({}))
  let pendingSignal: NodeJS.Signals | null = null
  let stopping = false

  const drain = (signal: NodeJS.Signals, running: RunningService): void => {
    stopping = true
    logger.info({ signal }, `${name} draining`)
    const deadline = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'drain overran its deadline; exiting')
      process.exit(1)
    }, shutdownTimeoutMs)
    deadline.unref()
    running.close().then(() => {
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
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping || pendingSignal !== null) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the drain')
      process.exit(1)
    }
    // A signal during start-up is honoured as soon as the service is up.
    if (service === null) pendingSignal = signal
    else drain(signal, service)
  }
  // Installed before start(): a SIGTERM that races start-up must still drain, not kill.
  for (const s of signals) process.on(s, onSignal)

  try {
    if (options.specs !== undefined) {
      const specs = options.specs
      config = readConfig(specs)
      ports = () => portVariables(specs, config as Record<string, unknown>)
    }
    service = await options.start(config as ConfigValues<S>)
  } catch (err) {
    for (const s of signals) process.off(s, onSignal)
    const failure = explainStartError(name, err, ports())
    // One line for the operator; the stack only when asked for (LOG_LEVEL=debug).
    process.stderr.write(failure.line + '\n')
    if (logger.isLevelEnabled('debug')) logger.debug({ err }, failure.line)
    logger.flush()
    // A half-started service (one of two listeners up) must not linger.
    process.exit(failure.exitCode)
  }
  if (pendingSignal !== null) drain(pendingSignal, service)
}
