/** What the upstream pool logs through; fastify's `app.log` (pino) fits as is. */
export interface BridgeLogger {
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
}
