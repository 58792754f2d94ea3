import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCertificate {
  /** PEM files, for apps that read TLS_CERT_FILE / TLS_KEY_FILE. */
  certFile: string
  keyFile: string
  /** The same PEM text, for factories' `tls` options and as the CA a client trusts. */
  cert: string
  key: string
  /** Removes the files. */
  remove: () => void
}

/**
 * A throwaway self-signed certificate for localhost and 127.0.0.1, made by
 * Debian's openssl (the real tool an operator would use), valid for a day.
 * Clients in tests trust it by passing `cert` as their CA.
 */
export function makeTestCertificate (): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'eventwire-tls-'))
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}
