/** The logging the chat needs; a pino logger fits as it is (object first, message second). */
export interface ChatLogger {
  debug: (fields: Record<string, unknown>, message: string) => void
  info: (fields: Record<string, unknown>, message: string) => void
  warn: (fields: Record<string, unknown>, message: string) => void
}

const noop = (): void => {}

/** Default: say nothing (tests and benchmarks build thousands of members). */
export const silentChatLogger: ChatLogger = { debug: noop, info: noop, warn: noop }
