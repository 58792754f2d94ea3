import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * A shared-secret check that takes the same time whatever the candidate: both
 * sides are hashed to 32 bytes first, so neither the content nor the length of
 * the secret leaks through timing. The secret is kept only as its digest and
 * never appears in errors or logs.
 */
export function createTokenCheck (secret: string): (candidate: unknown) => boolean {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('the token must be a non-empty string')
  const expected = digest(secret)
  return (candidate) => typeof candidate === 'string' && timingSafeEqual(digest(candidate), expected)
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
