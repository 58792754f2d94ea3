import type { Server } from 'node:net'

const stopping = new WeakMap<Server, Promise<void>>()

/**
 * Stops a listener accepting new connections and resolves once Node has closed
 * it (at once if it never listened). Open connections are not touched: closing
 * them is the ConnectionSet's job. Every caller for the same server gets the
 * same promise, so "stop accepting" can be asked from several places.
 */
export function stopListening (server: Server): Promise<void> {
  let done = stopping.get(server)
  if (done === undefined) {
    done = new Promise<void>((resolve) => {
      if (!server.listening) resolve()
      else server.close(() => resolve())
    })
    stopping.set(server, done)
  }
  return done
}
