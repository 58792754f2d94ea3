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
