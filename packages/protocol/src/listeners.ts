/** Anything with Node's on/off, e.g. a stream or an EventEmitter. */
export interface ListenerTarget {
  on (event: string, listener: (...args: any[]) => void): unknown
  off (event: string, listener: (...args: any[]) => void): unknown
}

/** Removes what addListeners() added, once; later calls do nothing. */
export type Disposer = () => void

/**
 * Adds every listener of `listeners` to `target` and returns the one function
 * that removes exactly those (undici's util.addListener, socket.io-client's
 * on.ts): no code path can forget one, and nothing it did not add is touched.
 */
export function addListeners (target: ListenerTarget, listeners: Record<string, (...args: any[]) => void>): Disposer {
  const entries = Object.entries(listeners)
  for (const [event, listener] of entries) target.on(event, listener)
  let disposed = false
  return () => {
    if (disposed) return
    disposed = true
    for (const [event, listener] of entries) target.off(event, listener)
  }
}
