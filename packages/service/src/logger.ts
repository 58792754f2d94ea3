import { pino, type Logger as PinoLogger } from 'pino'

export type ServiceLogger = PinoLogger

/**
 * JSON lines on stdout, level from LOG_LEVEL (default info); fastify takes the
 * same instance. Writes are synchronous: pino's asynchronous default flushes in
 * an exit hook, and with stdout a closed pipe (`main.js | head`) that flush kept
 * the process alive after process.exit() on SIGTERM. The apps log per event,
 * not per request, so the synchronous write costs nothing measurable.
 */
export function createLogger (name: string, level = process.env.LOG_LEVEL ?? 'info'): ServiceLogger {
  return pino({ name, level }, pino.destination({ dest: 1, sync: true }))
}
