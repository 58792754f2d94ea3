import { assertNumberOption } from '@eventwire/protocol'
import type { Member } from './member.js'

export interface RateLimitOptions {
  /** Lines a member may send at once before being limited. */
  burst: number
  /** Sustained lines per second; at least 0.001 (a bucket that never refills is a ban, not a rate). */
  perSecond: number
}

/** What the room should do with one incoming line. */
export type RateVerdict = 'ok' | 'warn' | 'kick'

/**
 * A token bucket per member whose state lives on the Member (two numbers and
 * a flag). It is refilled lazily from the elapsed time when the member sends,
 * so an idle member costs no timer and no CPU.
 *
 * Policy: the first line over the limit is dropped with a warning; another one
 * while the bucket is still empty disconnects. The warning is forgotten once
 * the bucket has refilled completely, i.e. once the member has calmed down.
 */
export class RateLimiter {
  readonly burst: number
  readonly perMs: number

  constructor (options: RateLimitOptions) {
    assertNumberOption('rateLimit.burst', options.burst, 1)
    assertNumberOption('rateLimit.perSecond', options.perSecond, 0.001)
    this.burst = options.burst
    this.perMs = options.perSecond / 1000
  }

  take (member: Member, now: number): RateVerdict {
    const elapsed = now - member.refilledAt
    if (elapsed > 0) {
      member.tokens = Math.min(this.burst, member.tokens + elapsed * this.perMs)
      member.refilledAt = now
      if (member.tokens >= this.burst) member.warned = false
    }
    if (member.tokens >= 1) {
      member.tokens -= 1
      return 'ok'
    }
    if (member.warned) return 'kick'
    member.warned = true
    return 'warn'
  }
}
