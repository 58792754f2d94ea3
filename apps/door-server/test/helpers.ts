import type { AppLogger } from '@eventwire/protocol'
import { createDoorServer, ManualSensor, type DoorServer, type DoorServerOptions } from '../src/index.js'

/** A logger that keeps every line, so tests can assert what was logged. */
export class MemoryLogger implements AppLogger {
  readonly lines: Array<{ level: string, message: string, fields: Record<string, unknown> }> = []
  debug (fields: Record<string, unknown>, message: string): void { this.lines.push({ level: 'debug', message, fields }) }
  info (fields: Record<string, unknown>, message: string): void { this.lines.push({ level: 'info', message, fields }) }
  warn (fields: Record<string, unknown>, message: string): void { this.lines.push({ level: 'warn', message, fields }) }
  error (fields: Record<string, unknown>, message: string): void { this.lines.push({ level: 'error', message, fields }) }
  has (message: string | RegExp): boolean {
    return this.lines.some((l) => typeof message === 'string' ? l.message === message : message.test(l.message))
  }
}

export interface StartedDoor {
  door: DoorServer
  sensor: ManualSensor
  logger: MemoryLogger
  port: number
  webPort: number
}

/** A real door server on 127.0.0.1 port 0 driven by a ManualSensor. */
export async function startDoor (options: Partial<DoorServerOptions> & { port?: number, webPort?: number } = {}): Promise<StartedDoor> {
  const sensor = (options.sensor as ManualSensor | undefined) ?? new ManualSensor()
  const logger = new MemoryLogger()
  const door = createDoorServer({ logger, offlineAfterMs: 0, ...options, sensor })
  const { tcp, web } = await door.listen({ port: options.port ?? 0, webPort: options.webPort ?? 0, host: '127.0.0.1' })
  return { door, sensor, logger, port: tcp.port, webPort: web.port }
}

/** Parses a wire line into [name, at]. */
export function frame (line: string): [string, number] {
  return JSON.parse(line) as [string, number]
}
