import net from 'node:net'
import tls from 'node:tls'

export interface StatusTlsOptions {
  /** PEM CA certificate(s) to trust for status-server's certificate instead of Node's bundled ones (STATUS_TLS_CA_FILE). */
  ca?: string | Buffer | Array<string | Buffer>
  /** The name status-server's certificate must carry. Default: statusHost, unless it is an IP address (then the certificate must list that address). */
  servername?: string
}

/** How the links open TLS to status-server, resolved from the options. */
export interface UpstreamTls {
  /** What tls.connect gets besides host and port. */
  readonly connect: tls.ConnectionOptions
  /** A handshake not finished this long after the TCP connect is abandoned. */
  readonly handshakeTimeoutMs: number
}

/** The links' TLS settings, or null for plain TCP. The certificate is always verified. */
export function upstreamTlsOptions (host: string, statusTls: boolean | StatusTlsOptions | undefined, handshakeTimeoutMs: number): UpstreamTls | null {
  if (statusTls === undefined || statusTls === false) return null
  const given = statusTls === true ? {} : statusTls
  // SNI carries names only: for an IP literal Node checks the certificate against the address itself.
  const servername = given.servername ?? (net.isIP(host) === 0 ? host : undefined)
  const connect: tls.ConnectionOptions = { rejectUnauthorized: true }
  if (given.ca !== undefined) connect.ca = given.ca
  if (servername !== undefined) connect.servername = servername
  return { connect, handshakeTimeoutMs }
}

/** What reconnect() calls for each attempt: a TCP connection, or TLS over one. */
export function upstreamConnector (host: string, port: number, upstreamTls: UpstreamTls | null): () => net.Socket {
  if (upstreamTls === null) return () => net.connect({ host, port, noDelay: true })
  return () => {
    const socket = tls.connect({ host, port, ...upstreamTls.connect })
    socket.setNoDelay(true)
    return socket
  }
}

/**
 * A TLS link between its TCP connect (when reconnect() reports it connected)
 * and the end of its handshake: not usable yet, and bounded in time by the
 * pool's sweep, since reconnect()'s connect timeout ends at the TCP connect.
 */
export class HandshakeWait {
  readonly #timeoutMs: number
  readonly #onSecure: (socket: net.Socket) => void
  #socket: tls.TLSSocket | null = null
  #deadline = 0

  constructor (timeoutMs: number, onSecure: (socket: net.Socket) => void) {
    this.#timeoutMs = timeoutMs
    this.#onSecure = onSecure
  }

  /** On TCP connect: true if the socket is TLS and must finish its handshake before it carries requests. */
  start (socket: net.Socket, now: number): boolean {
    if (!(socket instanceof tls.TLSSocket)) return false
    this.#socket = socket
    this.#deadline = now + this.#timeoutMs
    socket.once('secureConnect', this.#secured)
    return true
  }

  /** The attempt ended (or is stopped): true if a handshake was still under way, so the failure is a TLS one. */
  cancel (): boolean {
    const socket = this.#socket
    if (socket === null) return false
    socket.off('secureConnect', this.#secured)
    this.#socket = null
    return true
  }

  /** From the sweep timer: a handshake past its deadline is abandoned with an error that says so. */
  sweep (now: number): void {
    if (this.#socket === null || now < this.#deadline) return
    const err = Object.assign(new Error(`no TLS handshake within ${this.#timeoutMs} ms`), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' })
    this.#socket.destroy(err)
  }

  readonly #secured = (): void => {
    const socket = this.#socket
    this.#socket = null
    if (socket !== null) this.#onSecure(socket)
  }
}

/** Node's codes for a chain it could not verify against the CAs it trusts. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE'
])
/** OpenSSL's codes for bytes that are not a TLS record: the peer answered in plain text. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LENGTH_MISMATCH'])
const PLAIN_HINT = 'is it running without TLS_CERT_FILE? Turn TLS on there, or unset STATUS_TLS'

/**
 * What a failed handshake means, in the words an operator acts on: which side
 * is wrong and what to set. For the 503 message and /readyz.
 */
export function describeTlsFailure (err: Error | null, host: string): string {
  if (err === null) return `status-server closed the connection during the TLS handshake; ${PLAIN_HINT}`
  const code = (err as NodeJS.ErrnoException).code ?? err.name
  if (UNTRUSTED.has(code)) return `status-server's certificate is not trusted (${code}: ${err.message}); set STATUS_TLS_CA_FILE to the PEM certificate of the CA that signed it`
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `status-server's certificate is not valid now (${code}: ${err.message}); renew it`
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `status-server's certificate is not for ${host} (${code}: ${err.message}); set STATUS_HOST to a name the certificate lists`
  if (NOT_TLS.has(code)) return `status-server did not speak TLS (${code}); ${PLAIN_HINT}`
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return `status-server did not speak TLS (${err.message}); ${PLAIN_HINT}`
  if (code === 'ECONNRESET' || code === 'EPIPE') return `status-server closed the connection during the TLS handshake (${code}); ${PLAIN_HINT}`
  return `${code}: ${err.message}`
}
