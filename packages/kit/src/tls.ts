import net from 'node:net'
import tls from 'node:tls'

/**
 * What a listener needs to speak TLS: the PEM certificate (chain) and key, and
 * any other `tls.createSecureContext` option. The apps take it as their `tls`
 * option; `@eventwire/service`'s `readServerTls` builds it from TLS_CERT_FILE
 * and TLS_KEY_FILE.
 */
export type ServerTls = tls.SecureContextOptions & { cert: string | Buffer, key: string | Buffer }

/** The first byte of every TLS connection: a handshake record. Plain text never starts with it. */
const TLS_HANDSHAKE_RECORD = 0x16

/** After a refusal, how long a peer that keeps its end open is given before the socket is cut. */
const REFUSAL_GRACE_MS = 1000

export interface PlainTextRefusal {
  /**
   * What a plain-text peer is told before the close (a line it can read: the
   * app's own error line, an HTTP 400…). `null`: close without a word.
   */
  message: (why: 'plain-text' | 'silent') => string | null
  /**
   * A TLS client speaks first (its ClientHello); a peer silent this long after
   * connecting is a plain-text client waiting for a greeting, and is refused.
   */
  silentMs: number
}

/**
 * Makes a TLS server look at each connection's first byte before the TLS
 * handshake takes it: a plain-text client (nc, telnet, curl http://) gets a
 * clear message and a close instead of a handshake error or a hang until the
 * handshake timeout. The server's own connection listener (Node's TLS one) is
 * moved behind the check, so everything else about the server is unchanged.
 */
export function refusePlainText (server: tls.Server, refusal: PlainTextRefusal): void {
  // A failed handshake closes only that connection; it is not an error of the server.
  server.on('tlsClientError', ignoreError)
  const handOver = server.listeners('connection') as Array<(socket: net.Socket) => void>
  server.removeAllListeners('connection')
  server.on('connection', (socket: net.Socket) => {
    // Errors surface on the TLS socket once it wraps this one; before that, a reset must not throw.
    socket.on('error', ignoreError)
    const timer = setTimeout(() => { cleanup(); refuse(socket, refusal.message('silent')) }, refusal.silentMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      socket.off('data', onFirstBytes)
      socket.off('close', cleanup)
    }
    const onFirstBytes = (chunk: Buffer): void => {
      cleanup()
      socket.pause()
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        refuse(socket, refusal.message('plain-text'))
        return
      }
      // Node's TLS socket reads what is buffered on the socket it wraps, so the ClientHello is not lost.
      socket.unshift(chunk)
      for (const listener of handOver) listener.call(server, socket)
    }
    socket.on('data', onFirstBytes)
    socket.once('close', cleanup)
  })
}

function ignoreError (): void {}

/** Tells the peer (if there is anything to tell), half-closes, and cuts it if it keeps its end open. */
function refuse (socket: net.Socket, message: string | null): void {
  const cut = setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS)
  cut.unref()
  socket.once('close', () => clearTimeout(cut))
  // Whatever else the peer sends is not read: only the refusal goes out.
  socket.resume()
  if (message === null) socket.end()
  else socket.end(message)
}

export interface StreamServerOptions extends net.ServerOpts {
  /** Speak TLS on this listener. Absent: plain TCP. */
  tls?: ServerTls
  /**
   * The line a plain-text client on a TLS port reads before the close; a
   * function is asked at each refusal (to name the port once it is bound).
   */
  plainTextRefusal?: string | ((port: number | undefined) => string)
  /** See PlainTextRefusal.silentMs. Default 2 s. */
  plainTextSilentMs?: number
}

/**
 * A TCP listener for a line protocol, plain or TLS: `onConnection` gets a
 * socket that is ready to carry the app's bytes either way (for TLS, after the
 * handshake). Handshake failures close only that connection; they are not errors of the server.
 */
export function createStreamServer (options: StreamServerOptions, onConnection: (socket: net.Socket) => void): net.Server {
  const { tls: secure, plainTextRefusal, plainTextSilentMs, ...netOptions } = options
  if (secure === undefined) return net.createServer(netOptions, onConnection)
  const server = tls.createServer({ ...netOptions, ...secure }, onConnection)
  refusePlainText(server, {
    silentMs: plainTextSilentMs ?? 2000,
    message: () => {
      // The port the listener bound (0 picks one), so the refusal can name what to connect to.
      const port = (server.address() as net.AddressInfo | null)?.port
      if (typeof plainTextRefusal === 'function') return plainTextRefusal(port)
      return plainTextRefusal ?? `this port speaks TLS; connect with a TLS client (openssl s_client -quiet -connect host:${port ?? 'port'})\n`
    }
  })
  return server
}
