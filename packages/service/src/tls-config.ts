import { readFileSync } from 'node:fs'
import tls from 'node:tls'
import { ConfigError, type OptionSpec } from './config.js'

/**
 * TLS on every listener of an app: `TLS_CERT_FILE` and `TLS_KEY_FILE` (PEM).
 * Spread into an app's specs; readServerTls turns the values into the apps' `tls` option.
 */
export const tlsOptions = {
  tlsCertFile: { env: 'TLS_CERT_FILE', flag: 'tls-cert-file', type: 'optional-string', help: 'PEM certificate (chain): with TLS_KEY_FILE, every port of the app speaks TLS (HTTPS/WSS on web ports)' },
  tlsKeyFile: { env: 'TLS_KEY_FILE', flag: 'tls-key-file', type: 'optional-string', help: 'PEM private key of TLS_CERT_FILE' }
} as const satisfies Record<string, OptionSpec>

export interface ServerTlsFiles {
  tlsCertFile?: string
  tlsKeyFile?: string
}

/** The certificate and key an app's listeners use, or undefined for plain text; a bad setting is a ConfigError naming it. */
export function readServerTls ({ tlsCertFile, tlsKeyFile }: ServerTlsFiles): { cert: Buffer, key: Buffer } | undefined {
  if (tlsCertFile === undefined && tlsKeyFile === undefined) return undefined
  if (tlsCertFile === undefined) throw new ConfigError('TLS_KEY_FILE is set but TLS_CERT_FILE is not; set both (PEM files) for TLS, or neither')
  if (tlsKeyFile === undefined) throw new ConfigError('TLS_CERT_FILE is set but TLS_KEY_FILE is not; set both (PEM files) for TLS, or neither')
  const cert = readPem('TLS_CERT_FILE', tlsCertFile, 'a PEM certificate')
  const key = readPem('TLS_KEY_FILE', tlsKeyFile, 'its PEM private key')
  try {
    // Fails now, naming the files, rather than at the first client's handshake.
    tls.createSecureContext({ cert, key })
  } catch (err) {
    throw new ConfigError(`TLS_CERT_FILE ${tlsCertFile} and TLS_KEY_FILE ${tlsKeyFile} are not a usable certificate and key (${(err as Error).message}); set them to a PEM certificate and its key`)
  }
  return { cert, key }
}

/** A PEM file named by `variable`, read now; a missing or unreadable one is a ConfigError that says what to set. */
export function readPem (variable: string, path: string, what: string): Buffer {
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (err) {
    throw new ConfigError(`${variable} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set ${variable} to ${what} file`)
  }
  if (!pem.includes('-----BEGIN ')) throw new ConfigError(`${variable} ${path} is not PEM (no -----BEGIN line); set ${variable} to ${what} file`)
  return pem
}
