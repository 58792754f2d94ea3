import { EventEmitter } from 'node:events'
import type { EventMap, RemoteEmitterLifecycle } from './remote-emitter-options.js'

/**
 * The receiving side of a RemoteEmitter: typed on/once/off over the events the
 * peer sends, plus the emitter's own 'error'. Kept apart so the connection
 * class holds only the wire logic.
 */
export class PeerEvents<Receive extends EventMap> {
  /** Local dispatch of peer events; only the wire side emits on it. */
  protected readonly local = new EventEmitter()

  constructor () {
    // Many subsystems may listen for the same peer event; the default cap of 10 is a false alarm here.
    this.local.setMaxListeners(0)
  }

  on<K extends keyof RemoteEmitterLifecycle> (event: K, listener: RemoteEmitterLifecycle[K]): this
  on<K extends keyof Receive & string> (event: K, listener: Receive[K]): this
  on (event: string, listener: (...args: any[]) => void): this {
    this.local.on(event, listener)
    return this
  }

  once<K extends keyof RemoteEmitterLifecycle> (event: K, listener: RemoteEmitterLifecycle[K]): this
  once<K extends keyof Receive & string> (event: K, listener: Receive[K]): this
  once (event: string, listener: (...args: any[]) => void): this {
    this.local.once(event, listener)
    return this
  }

  off<K extends keyof RemoteEmitterLifecycle> (event: K, listener: RemoteEmitterLifecycle[K]): this
  off<K extends keyof Receive & string> (event: K, listener: Receive[K]): this
  off (event: string, listener: (...args: any[]) => void): this {
    this.local.off(event, listener)
    return this
  }

  /** Listeners for a local event (mostly for leak checks in tests). */
  listenerCount (event: string): number {
    return this.local.listenerCount(event)
  }
}
