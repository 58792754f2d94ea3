import net from 'node:net'
import tls from 'node:tls'
import { guard } from '@eventwire/kit'
import { RemoteEmitter, reconnect, type Reconnector, type ReconnectOptions } from '@eventwire/protocol'
import { AUTH_EVENT, REFUSED_EVENT, parseRefusal, type Refusal } from '../refusal.js'
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
  /**
   * Connect over TLS; `ca`: PEM CA certificate(s) to trust instead of the system's
   * (a self-signed server); a handshake not done within `handshakeTimeoutMs`
   * (default 10 000) is abandoned and retried. Default: plain TCP.
   */
  tls?: { ca?: string | Buffer, handshakeTimeoutMs?: number }
  /** The server's client token, sent as `["auth", token]` before anything else on every connection. */
  token?: string
  /**
   * The server sent `["refused", {code, message}]` (wrong token, plain text on a
   * TLS port): printed once, and the client has stopped, since trying again the
   * same way would be refused again. The CLI exits 1 here.
   */
  onRefused?: (refusal: Refusal) => void
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
type DoorWire = Record<DoorEventName, (at: unknown) => void> & { [REFUSED_EVENT]: (refusal: unknown) => void }

/** A TLS handshake that has not finished by then is given up (a plain-TCP port never answers a ClientHello). */
const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000
/** Node's codes for a server certificate we do not trust: the reconnect line then says what to pass. */
const UNTRUSTED_CERT = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME_INVALID/

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
  const reconnector = reconnect(() => connectTo(host, port, options.tls), {
    initialDelayMs: 100,
    maxDelayMs: 5000,
    ...options.reconnect
  })
  let remote: RemoteEmitter<DoorWire> | null = null
  const onEvent = (name: DoorEventName, at: number): void => showEvent(name, at, watch, print)

  const onRefused = (refusal: Refusal): void => {
    printError(`door-server refused the connection: ${refusal.message} (${refusal.code}); not retrying`)
    client.stop()
    options.onRefused?.(refusal)
  }

  /** Over TLS, 'connected' (and the auth frame) wait for the handshake: until then nothing is trusted. */
  const onConnect = (socket: net.Socket): void => {
    if (!(socket instanceof tls.TLSSocket)) return start(socket)
    const timeoutMs = options.tls?.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms; is it a plain TCP port? (try without --tls)`)), timeoutMs)
    const done = (): void => {
      clearTimeout(timer)
      socket.off('secureConnect', onSecure)
      socket.off('close', done)
    }
    const onSecure = (): void => { done(); start(socket) }
    socket.once('secureConnect', onSecure)
    socket.once('close', done)
  }

  const start = (socket: net.Socket): void => {
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
    // First, before any ping: a server with a token serves nothing until it has this frame.
    if (options.token !== undefined) r.emit(AUTH_EVENT, options.token)
    listenForDoorEvents(r, onEvent, printError)
    listenForRefusal(r, onRefused, printError)
  }

  const onDisconnect = (): void => {
    // We no longer know the state; the server re-sends it with its timestamp when we are back.
    watch.pause()
    const wasUp = remote !== null // a TLS handshake that failed never said 'connected'
    remote = null
    if (wasUp) print('disconnected')
  }

  const onReconnect = (attempt: number, delayMs: number, err: Error | null): void => {
    const code = (err as { code?: string } | null)?.code
    const hint = code !== undefined && UNTRUSTED_CERT.test(code) ? '; the server\'s certificate is not trusted: pass --ca FILE (DOOR_TLS_CA_FILE)' : ''
    const why = err === null ? '' : `: ${code ?? err.message}${hint}`
    printError(`reconnecting in ${delayMs} ms (attempt ${attempt}${why})`)
  }

  reconnector.on('connect', onConnect)
  reconnector.on('disconnect', onDisconnect)
  reconnector.on('reconnect', onReconnect)

  const client: DoorClient = {
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
  return client
}

/** A plain TCP or a TLS socket to the server, still connecting. */
function connectTo (host: string, port: number, secure: DoorClientOptions['tls']): net.Socket {
  if (secure === undefined) return net.connect({ host, port, noDelay: true, keepAlive: true })
  // Node checks the certificate against `host` (a DNS name or IP in its subjectAltName) and rejects an untrusted one.
  const socket = tls.connect({ host, port, ca: secure.ca })
  socket.setNoDelay(true)
  socket.setKeepAlive(true)
  return socket
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

/** `["refused", {code, message}]`: checked, then handed on once; a malformed one is reported and ignored. */
function listenForRefusal (r: RemoteEmitter<DoorWire>, onRefused: (refusal: Refusal) => void, printError: (line: string) => void): void {
  r.on(REFUSED_EVENT, guard((value: unknown) => {
    const refusal = parseRefusal(value)
    if (refusal === null) return printError(`ignored a bad ${JSON.stringify(REFUSED_EVENT)} frame from the server: it must carry {"code", "message"} strings`)
    onRefused(refusal)
  }, (err) => {
    printError(`failed to handle a refusal (${err instanceof Error ? err.message : String(err)}); reconnecting`)
    r.destroy(err instanceof Error ? err : new Error(String(err)))
  }))
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
