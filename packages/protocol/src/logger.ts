/**
 * The smallest logger the protocol needs. pino and fastify's `request.log`
 * satisfy it as they are (object first, message second).
 */
export interface Logger {
  warn (fields: Record<string, unknown>, message: string): void
}

/** Writes one line per warning to stderr; pass your own logger to route them elsewhere. */
export const consoleLogger: Logger = {
  warn (fields, message) {
    console.warn(`[eventwire] ${message}`, fields)
  }
}

/** Discards everything: for callers that count drops themselves. */
export const silentLogger: Logger = {
  warn () {}
}

/**
 * The logging an app's factory needs: Logger plus the other levels. pino, and
 * fastify's `app.log`, fit as they are (fields first, message second);
 * factories take one so that tests and benchmarks can build thousands of
 * connections without a log line each, and so that importing a factory as a
 * library loads no logging package.
 */
export interface AppLogger extends Logger {
  debug (fields: Record<string, unknown>, message: string): void
  info (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
}

const noop = (): void => {}

/** Says nothing: the factories' default, so embedders and tests opt in to logs. */
export const silentAppLogger: AppLogger = { debug: noop, info: noop, warn: noop, error: noop }
