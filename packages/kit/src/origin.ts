import type { IncomingMessage } from 'node:http'

/**
 * `scheme://host[:port]` as browsers send it in `Origin`, lower-cased, default
 * port dropped; null when `text` is not such an origin (a path, a query, 'null').
 */
function normaliseOrigin (text: string): string | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null
  if (url.pathname !== '/' || /\/.+/.test(text.replace(/^[a-z]+:\/\//i, ''))) return null
  return url.origin
}

/**
 * Parses a comma-separated allow-list (`CHAT_ALLOWED_ORIGINS`, `DOOR_ALLOWED_ORIGINS`).
 * Throws an Error naming the first entry that is not a `scheme://host[:port]` origin.
 */
export function parseOriginList (text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return []
  return text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '').map((entry) => {
    const origin = normaliseOrigin(entry)
    if (origin === null) throw new Error(`${JSON.stringify(entry)} is not an origin; write it as scheme://host[:port], e.g. https://chat.example.com`)
    return origin
  })
}

/**
 * A check for WebSocket upgrades against cross-site use: a page on another site
 * must not make a visitor's browser talk through our socket. Allowed: requests
 * with no Origin (non-browser clients send none), the page's own origin (the
 * Origin's host:port is the Host the request was sent to), and `allowed`.
 * Refused: `null` (sandboxed frames, file: pages) and every other origin.
 */
export function createOriginCheck (allowed: readonly string[] = []): (request: IncomingMessage) => boolean {
  const allowList = new Set(allowed.map((origin) => normaliseOrigin(origin) ?? origin))
  return (request) => {
    const header = request.headers.origin
    if (header === undefined) return true
    const origin = normaliseOrigin(header)
    if (origin === null) return false
    if (allowList.has(origin)) return true
    return isOwnHost(origin, request.headers.host)
  }
}

/** Whether `origin` names the host:port the request was sent to. A malformed Host is never a match (and never a throw). */
function isOwnHost (origin: string, host: string | undefined): boolean {
  if (host === undefined) return false
  try {
    return new URL(origin).host === new URL(`http://${host}`).host
  } catch {
    return false
  }
}
