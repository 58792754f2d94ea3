import { pino, type Logger as PinoLogger } from 'pino'
import { ConfigError } from './config.js'

export type ServiceLogger = PinoLogger

/**
 * The main's logger: JSON lines on stdout, level from LOG_LEVEL (default info;
 * a level pino does not know exits 2 with one line naming LOG_LEVEL); fastify takes the
 * same instance. Writes are synchronous: pino's asynchronous default flushes in
 * an exit hook, and with stdout a closed pipe (`main.js | head`) that flush kept
 * the process alive after process.exit() on SIGTERM. The apps log per event,
 * not per request, so the synchronous write costs nothing measurable.
 */
export function createLogger (name: string, level = process.env.LOG_LEVEL ?? DEFAULT_LOG_LEVEL): ServiceLogger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    // For mains, before anything starts: the same one line and exit code as every other bad setting.
    const err = new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}; unset it for ${DEFAULT_LOG_LEVEL}`)
    process.stderr.write(`${name}: ${err.message}\n`)
    process.exit(2)
  }
  return pino({ name, level }, pino.destination({ dest: 1, sync: true }))
}

/** pino's levels, most to least severe, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export const DEFAULT_LOG_LEVEL = 'info'
