import { pino, type Logger as PinoLogger } from 'pino'

export type ServiceLogger = PinoLogger

/** JSON lines on stdout, level from LOG_LEVEL (default info); fastify takes the same instance. */
export function createLogger (name: string, level = process.env.LOG_LEVEL ?? 'info'): ServiceLogger {
  return pino({ name, level })
}
