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

  /**
   * Keeps `json`, the body built for `code` answered by `line`, for the next
   * find(). `line` is kept as it is, so pass a string of its own, not a slice
   * of a larger one (the link's ReplyTexts hands out such strings, and the
   * same one while the reply is unchanged: find() is then an identity check).
   */
  keep (code: string, line: string, json: string): void {
    const slot = slotOf(code)
    if (slot < 0 || line.length > REUSE_LINE_LIMIT) return
    const flattened = flat(json)
    // UTF-8 cannot carry a lone surrogate: such a body is kept unflattened rather than changed.
    this.#slots[slot] = { line, json: flattened === json ? flattened : json }
  }
}

/** One flat string: fast-json-stringify's output is a concatenation, which V8 would flatten on every send. */
function flat (text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8')
}

/** 0-999 for three ASCII digits, else -1 (nothing kept: two codes must never share a slot). */
export function slotOf (code: string): number {
  if (code.length !== 3) return -1
  const a = code.charCodeAt(0) - 48
  const b = code.charCodeAt(1) - 48
  const c = code.charCodeAt(2) - 48
  // >>> 0 turns a negative difference into a large one: one comparison per digit.
  if ((a >>> 0) > 9 || (b >>> 0) > 9 || (c >>> 0) > 9) return -1
  return a * 100 + b * 10 + c
}
