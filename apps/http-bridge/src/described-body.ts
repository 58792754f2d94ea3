/** Longest reply line whose body is kept for reuse; status-server's longest is about 150 characters. */
export const REUSE_LINE_LIMIT = 512

interface Kept {
  readonly line: string
  readonly json: string
}

/**
 * The last `{"code":N,"data":"<line>"}` body built for each 3-digit code, handed
 * out again while the reply line for that code stays the same, as
 * status-server's does (one fixed line per code). Serialising costs
 * fast-json-stringify a regular-expression scan of the whole line for
 * characters to escape, and its output is a concatenation that fastify copies
 * into one string again to take its length; a hit costs one string comparison.
 * Bounded by construction: one slot per code (1000), lines up to REUSE_LINE_LIMIT.
 */
export class DescribedBodies {
  readonly #slots: Array<Kept | undefined> = new Array<Kept | undefined>(1000).fill(undefined)

  /** The body kept for `code` answered by `line`, or undefined. */
  find (code: string, line: string): string | undefined {
    const slot = slotOf(code)
    if (slot < 0) return undefined
    const kept = this.#slots[slot]
    return kept !== undefined && kept.line === line ? kept.json : undefined
  }

  /** Keeps `json`, the body built for `code` answered by `line`, for the next find(). */
  keep (code: string, line: string, json: string): void {
    const slot = slotOf(code)
    if (slot < 0 || line.length > REUSE_LINE_LIMIT) return
    // Both strings may be slices of the whole chunk the link decoded: keep copies, not the chunk.
    const own = copyOf(line)
    if (own === line) this.#slots[slot] = { line: own, json: copyOf(json) }
  }
}

/** A string of its own (text from the link's UTF-8 decoder survives the round trip unchanged). */
function copyOf (text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8')
}

/** 0-999 for three ASCII digits, else -1 (nothing kept: two codes must never share a slot). */
function slotOf (code: string): number {
  if (code.length !== 3) return -1
  const a = code.charCodeAt(0) - 48
  const b = code.charCodeAt(1) - 48
  const c = code.charCodeAt(2) - 48
  // >>> 0 turns a negative difference into a large one: one comparison per digit.
  if ((a >>> 0) > 9 || (b >>> 0) > 9 || (c >>> 0) > 9) return -1
  return a * 100 + b * 10 + c
}
