/**
 * The logging an app's factory needs. pino, and fastify's `app.log`, fit as
 * they are (fields first, message second); factories take one so that tests and
 * benchmarks can build thousands of connections without a log line each.
 */
export interface AppLogger {
  debug (fields: Record<string, unknown>, message: string): void
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
}

const noop = (): void => {}

/** Says nothing: the factories' default, so embedders and tests opt in to logs. */
export const silentAppLogger: AppLogger = { debug: noop, info: noop, warn: noop, error: noop }
