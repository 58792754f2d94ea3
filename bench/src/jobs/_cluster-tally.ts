/**
 * What every receiver of the cross-instance benchmark got: per receiver and sequence number
 * how many copies, whether it came after a higher one (out of order), and, for the timed
 * messages, receive − send latency. Sequence 0 is the sync message and is only noted once.
 */
export class Tally {
  readonly n: number
  readonly total: number
  /** copies[i * (total + 1) + seq], saturating at 255 (the duplicate count itself is exact). */
  readonly copies: Uint8Array
  /** reached[seq]: receivers that have seq at least once. */
  readonly reached: Int32Array
  readonly #maxSeen: Int32Array
  readonly synced: Uint8Array
  syncedCount = 0
  /** Receiver × message pairs delivered at least once (sum of reached[1..total]). */
  firsts = 0
  duplicates = 0
  outOfOrder = 0
  /** Out-of-order deliveries per receiver, to say on which instance they happened. */
  readonly outOfOrderAt: Int32Array
  /** Deliveries that did not parse as a benchmark message, or carried a sequence never sent. */
  strays = 0
  lastDeliveryAt = 0
  readonly latencies: Float64Array
  latencyCount = 0
  readonly #timedFrom: number
  #waiter: { check: () => boolean, resolve: (ok: boolean) => void, timer: NodeJS.Timeout } | null = null

  /** Latencies are kept for sequences above `timedFrom`, at most `maxLatencies` of them. */
  constructor (n: number, total: number, timedFrom: number, maxLatencies: number) {
    this.n = n
    this.total = total
    this.copies = new Uint8Array(n * (total + 1))
    this.reached = new Int32Array(total + 1)
    this.#maxSeen = new Int32Array(n)
    this.synced = new Uint8Array(n)
    this.outOfOrderAt = new Int32Array(n)
    this.latencies = new Float64Array(maxLatencies)
    this.#timedFrom = timedFrom
  }

  /** One delivery of (seq, stamp) to receiver i at time `now` (ms, same clock as the stamp). */
  record (i: number, seq: number, stamp: number, now: number): void {
    this.lastDeliveryAt = now
    if (seq === 0) {
      if (this.synced[i] === 0) { this.synced[i] = 1; this.syncedCount++ }
    } else if (!Number.isInteger(seq) || seq < 0 || seq > this.total) {
      this.strays++
    } else {
      this.#count(i, seq, stamp, now)
    }
    const w = this.#waiter
    if (w !== null && w.check()) { this.#waiter = null; clearTimeout(w.timer); w.resolve(true) }
  }

  #count (i: number, seq: number, stamp: number, now: number): void {
    const k = i * (this.total + 1) + seq
    const c = this.copies[k]!
    if (c > 0) {
      this.duplicates++
      if (c < 255) this.copies[k] = c + 1
      return
    }
    this.copies[k] = 1
    this.firsts++
    this.reached[seq]!++
    if (seq < this.#maxSeen[i]!) { this.outOfOrder++; this.outOfOrderAt[i]!++ }
    else this.#maxSeen[i] = seq
    if (seq > this.#timedFrom && this.latencyCount < this.latencies.length) this.latencies[this.latencyCount++] = now - stamp
  }

  /** Resolves true as soon as `check()` holds (re-tested on every delivery), false after `timeoutMs`. */
  async until (check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return true
    if (this.#waiter !== null) throw new Error('one wait at a time')
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { this.#waiter = null; resolve(false) }, timeoutMs)
      this.#waiter = { check, resolve, timer }
    })
  }

  /** Synced receivers per instance (receiver i is on instance i % instances). */
  syncedPerInstance (instances: number): number[] {
    const out = new Array<number>(instances).fill(0)
    for (let i = 0; i < this.n; i++) out[i % instances]! += this.synced[i]!
    return out
  }

  /** Per instance (receiver i on instance i % instances): pairs never delivered among seq 1..sent, and out-of-order deliveries. */
  perInstance (instances: number, sent: number): Array<{ missing: number, outOfOrder: number }> {
    const out = Array.from({ length: instances }, () => ({ missing: 0, outOfOrder: 0 }))
    for (let i = 0; i < this.n; i++) {
      const at = out[i % instances]!
      at.outOfOrder += this.outOfOrderAt[i]!
      for (let s = 1; s <= sent; s++) if (this.copies[i * (this.total + 1) + s] === 0) at.missing++
    }
    return out
  }

  /** Latency percentiles over the timed deliveries (nearest rank), in ms. */
  latencyPercentiles (): { p50: number, p99: number } {
    const xs = this.latencies.subarray(0, this.latencyCount).slice().sort()
    const at = (p: number): number => xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(p / 100 * xs.length) - 1))]!
    return { p50: at(50), p99: at(99) }
  }
}
