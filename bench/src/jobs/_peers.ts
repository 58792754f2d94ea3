import { once } from 'node:events'
import type { Socket } from 'node:net'

/** A ~100-byte event payload, the same for every contender. */
export function payload (seq: number): { seq: number, user: string, text: string } {
  return { seq, user: `user-${seq % 997}`, text: 'the quick brown fox jumps over the lazy dog 0123456789' }
}

/** Raw net backpressure: what write() returning false means. */
export async function socketDrained (sock: Socket): Promise<void> {
  if (sock.writableNeedDrain) await once(sock, 'drain')
}

/** Bytes the socket.io client engine has queued; socket.io has no emit() backpressure signal of its own. */
export interface EngineLike {
  writeBuffer: unknown[]
  transport: { ws?: { _socket?: Socket } }
  once: (ev: string, fn: () => void) => void
}

/**
 * socket.io client backpressure, as close to the socket rule as socket.io allows:
 * wait for the TCP socket under the WebSocket to drain, and never let the
 * engine's own packet queue pass ~16 KiB worth of frames (a socket's highWaterMark).
 */
export async function engineDrained (engine: EngineLike, maxQueued = 160): Promise<void> {
  const sock = engine.transport.ws?._socket
  if (sock?.writableNeedDrain) await once(sock, 'drain')
  if (engine.writeBuffer.length >= maxQueued) await new Promise<void>((resolve) => engine.once('drain', resolve))
}

/** A socket.io client is a component-emitter, not a Node EventEmitter: wait for its connect by hand. */
export async function ioConnected (s: { connected: boolean, once: (ev: string, fn: (...a: any[]) => void) => unknown }): Promise<void> {
  if (s.connected) return
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve())
    s.once('connect_error', (err: Error) => reject(err))
  })
}
