/** Small statistics over round samples. */

export function median (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function min (xs: readonly number[]): number {
  return xs.length === 0 ? NaN : Math.min(...xs)
}

export function max (xs: readonly number[]): number {
  return xs.length === 0 ? NaN : Math.max(...xs)
}

/** Nearest-rank percentile over a sample (p in 0..100). */
export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/**
 * Order of contenders in round r: rotate by r, and reverse every other round,
 * so each contender runs early and late, before and after each other one (ABBA).
 */
export function roundOrder<T> (items: readonly T[], round: number): T[] {
  const n = items.length
  const rotated = items.map((_, i) => items[(i + round) % n]!)
  return round % 2 === 1 ? rotated.reverse() : rotated
}
