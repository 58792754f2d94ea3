/** The largest |epoch ms| a JavaScript Date can hold (ECMA-262 §21.4.1.1): 100 000 000 days. */
export const MAX_DATE_MS = 8.64e15

/** A checked event timestamp, or why it was refused (a sentence for the user). */
export type EventTimeCheck = { ok: true, at: number } | { ok: false, reason: string }

/**
 * Validates the timestamp argument of a door event from the server before
 * anything uses it: a finite number of epoch ms within the Date range, so
 * `new Date(at).toISOString()` and timer arithmetic cannot throw or overflow.
 * Fractions are accepted (a server may send `performance.timeOrigin + now()`;
 * Date truncates them). Pure and total: it never throws, whatever it is given
 * (a hostile object's `toString` is never called).
 */
export function checkEventTime (value: unknown): EventTimeCheck {
  if (typeof value !== 'number') {
    return { ok: false, reason: `timestamp must be a number of epoch ms, got ${describe(value)}` }
  }
  if (!Number.isFinite(value) || Math.abs(value) > MAX_DATE_MS) {
    return { ok: false, reason: `timestamp ${String(value)} is outside the Date range (±${MAX_DATE_MS} ms)` }
  }
  return { ok: true, at: value }
}

/** A short description of a bad value that never calls into the value itself. */
function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'undefined': return 'nothing'
    case 'string': return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
    case 'object': return 'an object'
    default: return `a ${typeof value}`
  }
}
