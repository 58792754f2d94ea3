import { REUSE_LINE_LIMIT, slotOf } from './described-body.js'

interface Kept {
  readonly bytes: Buffer
  readonly text: string
}

/**
 * The text of the last reply line received for each 3-digit code, handed out
 * again while the bytes of the reply for that code stay the same, as
 * status-server's do (one fixed line per code). Its lines hold an em dash, so
 * decoding them takes V8's slow non-ASCII path; a hit costs one memcmp. The
 * same bytes always decode to the same text, so a hit can never be wrong, and
 * every reply is still compared in full. Handing out the same string also makes
 * DescribedBodies' comparison an identity check.
 * Bounded by construction: one slot per code (1000), lines up to REUSE_LINE_LIMIT bytes.
 */
export class ReplyTexts {
  readonly #slots: Array<Kept | undefined> = new Array<Kept | undefined>(1000).fill(undefined)

  /** The text of `bytes[start, end)`, a reply to `code` (any text: unsolicited lines pass null). */
  text (code: string | null, bytes: Buffer, start: number, end: number): string {
    const slot = code === null ? -1 : slotOf(code)
    if (slot < 0) return bytes.toString('utf8', start, end)
    const kept = this.#slots[slot]
    if (kept !== undefined && kept.bytes.length === end - start && kept.bytes.compare(bytes, start, end) === 0) return kept.text
    // A string of its own (not a slice of a larger one): it pins nothing.
    const text = bytes.toString('utf8', start, end)
    // Copied: `bytes` may be the socket's whole read buffer.
    if (end - start <= REUSE_LINE_LIMIT) this.#slots[slot] = { bytes: Buffer.from(bytes.subarray(start, end)), text }
    return text
  }
}
