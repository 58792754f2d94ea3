import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeTestCertificate } from '@eventwire/testkit'
import { ConfigError, readServerTls } from '../src/index.js'

const certificate = makeTestCertificate()
const other = makeTestCertificate()
const dir = mkdtempSync(join(tmpdir(), 'eventwire-tls-config-'))
const notPem = join(dir, 'not.pem')
writeFileSync(notPem, 'hello')
afterAll(() => { certificate.remove(); other.remove(); rmSync(dir, { recursive: true, force: true }) })

function failure (files: Parameters<typeof readServerTls>[0]): string {
  try {
    readServerTls(files)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('readServerTls accepted it')
}

describe('readServerTls', () => {
  it('is plain text when neither file is set', () => {
    expect(readServerTls({})).toBeUndefined()
  })

  it('reads a certificate and its key', () => {
    const tls = readServerTls({ tlsCertFile: certificate.certFile, tlsKeyFile: certificate.keyFile })
    expect(tls?.cert.toString()).toBe(certificate.cert)
    expect(tls?.key.toString()).toBe(certificate.key)
  })

  it('names the missing half of the pair', () => {
    expect(failure({ tlsCertFile: certificate.certFile })).toMatch(/^TLS_CERT_FILE is set but TLS_KEY_FILE is not; set both/)
    expect(failure({ tlsKeyFile: certificate.keyFile })).toMatch(/^TLS_KEY_FILE is set but TLS_CERT_FILE is not/)
  })

  it('names an unreadable or non-PEM file and says what to set', () => {
    expect(failure({ tlsCertFile: join(dir, 'missing.pem'), tlsKeyFile: certificate.keyFile })).toMatch(/^TLS_CERT_FILE .*missing\.pem cannot be read \(ENOENT\); set TLS_CERT_FILE to a PEM certificate file$/)
    expect(failure({ tlsCertFile: certificate.certFile, tlsKeyFile: notPem })).toMatch(/^TLS_KEY_FILE .*not\.pem is not PEM/)
  })

  it('refuses a key that does not belong to the certificate, at start', () => {
    expect(failure({ tlsCertFile: certificate.certFile, tlsKeyFile: other.keyFile })).toMatch(/are not a usable certificate and key \(.*\); set them to a PEM certificate and its key$/)
  })
})
