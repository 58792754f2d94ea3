import net from 'node:net'
import { guard } from '@eventwire/kit'
import { RemoteEmitter, reconnect, type Reconnector, type ReconnectOptions } from '@eventwire/protocol'
import type { DoorEventName } from '../types.js'
import { DoorWatch } from './door-watch.js'
import { checkEventTime } from './event-time.js'

export interface DoorClientOptions {
  host: string
  port: number
  /** Warn when the door has been open longer than this. */
  seconds: number
  /** One line of normal output (stdout in the CLI). */
  print: (line: string) => void
  /** One line of warnings and diagnostics (stderr in the CLI). */
  printError: (line: string) => void
  /** Active heartbeat towards the server (it answers pings). Default every 10 s, dead after 25 s. */
  heartbeat?: { intervalMs?: number, timeoutMs?: number }
  /** Backoff between attempts. Default 100 ms doubling to 5 s, jitter 0.5. */
  reconnect?: ReconnectOptions
}

export interface DoorClient {
  readonly reconnector: Reconnector<net.Socket>
  /** Stops reconnecting, closes the connection, clears every timer. */
  stop (): void
}

/** Warning text of the tutorial's client, kept word for word because people grep for it. */
export function warningText (seconds: number): string {
  return `DOOR OPEN FOR MORE THAN ${seconds} SECONDS, GO CLOSE IT!!!`
}

const DOOR_EVENTS = ['open', 'close', 'offline', 'online'] as const
type DoorWire = Record<DoorEventName, (at: unknown) => void>

/**
 * The door-client: keeps a connection to the door-server (reconnect with
 * exponential backoff and jitter), prints what happens, and warns when the
 * door stays open more than `seconds`, timed from the server's event timestamps.
 */
export function runDoorClient (options: DoorClientOptions): DoorClient {
  const { host, port, seconds, print, printError } = options
  const watch = new DoorWatch({
    thresholdMs: seconds * 1000,
    onWarn: () => printError(warningText(seconds)),
    onClosedAfterWarn: () => print('closed now')
  })
  const reconnector = reconnect(() => net.connect({ host, port, noDelay: true, keepAlive: true }), {
    initialDelayMs: 100,
    maxDelayMs: 5000,
    ...options.reconnect
  })
  let remote: RemoteEmitter<DoorWire> | null = null
  const onEvent = (name: DoorEventName, at: number): void => showEvent(name, at, watch, print)

  const onConnect = (socket: net.Socket): void => {
    print('connected')
    const r: RemoteEmitter<DoorWire> = new RemoteEmitter(socket, {
      maxLineBytes: 4096,
      logger: { warn: (fields, message) => printError(`${message} ${JSON.stringify(fields)}`) },
      // Active: our door-server answers pings, so once it has answered one, silence for timeoutMs
      // means it is dead. A plain duplex-emitter server never answers and is never timed out for it.
      heartbeat: { active: true, intervalMs: options.heartbeat?.intervalMs ?? 10_000, timeoutMs: options.heartbeat?.timeoutMs ?? 25_000 }
    })
    remote = r
    r.on('error', (err) => printError(`connection problem: ${err.message}`))
    listenForDoorEvents(r, onEvent, printError)
  }

  const onDisconnect = (): void => {
    // We no longer know the state; the server re-sends it with its timestamp when we are back.
    watch.pause()
    remote = null
    print('disconnected')
  }

  const onReconnect = (attempt: number, delayMs: number, err: Error | null): void => {
    const why = err === null ? '' : `: ${(err as { code?: string }).code ?? err.message}`
    printError(`reconnecting in ${delayMs} ms (attempt ${attempt}${why})`)
  }

  reconnector.on('connect', onConnect)
  reconnector.on('disconnect', onDisconnect)
  reconnector.on('reconnect', onReconnect)

  return {
    reconnector,
    stop () {
      watch.stop()
      reconnector.off('connect', onConnect)
      reconnector.off('disconnect', onDisconnect)
      reconnector.off('reconnect', onReconnect)
      remote?.destroy()
      reconnector.stop()
    }
  }
}


/** Prints one checked event and feeds the warning logic. */
function showEvent (name: DoorEventName, at: number, watch: DoorWatch, print: (line: string) => void): void {
  const when = new Date(at).toISOString()
  switch (name) {
    case 'open':
      print(`door open since ${when}`)
      watch.open(at)
      break
    case 'close':
      print(`door closed at ${when}`)
      watch.close()
      break
    case 'offline':
      watch.pause()
      print(`sensor offline since ${when}: door state unknown`)
      break
    case 'online':
      print('sensor back online')
      break
  }
}

/**
 * The frame boundary: every door event is checked before use, and a guard
 * keeps an exception in our own handling from escaping the socket callback.
 */
function listenForDoorEvents (r: RemoteEmitter<DoorWire>, onEvent: (name: DoorEventName, at: number) => void, printError: (line: string) => void): void {
  for (const name of DOOR_EVENTS) {
    r.on(name, guard((at: unknown) => {
      // Policy for a bad frame: report it and ignore it, keep the connection and the last valid
      // state. Reconnecting would not help: the server sends its current state again on connect.
      const checked = checkEventTime(at)
      if (checked.ok) onEvent(name, checked.at)
      else printError(`ignored a bad ${JSON.stringify(name)} frame from the server: ${checked.reason}`)
    }, (err) => {
      // A bug of ours, not the server's: this connection fails (and reconnects), the process goes on.
      printError(`failed to handle a ${JSON.stringify(name)} frame (${err instanceof Error ? err.message : String(err)}); reconnecting`)
      r.destroy(err instanceof Error ? err : new Error(String(err)))
    }))
  }
}
