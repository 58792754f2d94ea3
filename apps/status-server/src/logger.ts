/** What the server logs through; a pino logger (or fastify's) fits as is. */
export interface StatusLogger {
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
  debug (fields: Record<string, unknown>, message: string): void
}

/** Discards everything: the default, so tests and embedders stay quiet. */
export const silentLogger: StatusLogger = {
  info () {},
  warn () {},
  debug () {}
}
