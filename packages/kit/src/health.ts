import { STATUS_CODES } from 'node:http'

/** What one readiness check says now. Checks are called on every `GET /readyz`: keep them cheap and synchronous. */
export interface CheckResult {
  ready: boolean
  /** Shown in both /healthz-style and /readyz bodies, e.g. `{ upstream: { connected: 2 } }`. */
  details?: Record<string, unknown>
  /** Stable code when not ready, e.g. `ERR_UPSTREAM_DOWN`. Default ERR_NOT_READY. */
  code?: string
  /** What is wrong, for the operator reading the 503. */
  message?: string
  /** Retry-After on the 503. Default 1. */
  retryAfterSeconds?: number
}

export type ReadinessCheck = () => CheckResult

/** An HTTP answer built without any framework: the plain admin server and fastify routes send it alike. */
export interface OpsAnswer {
  statusCode: number
  headers: Record<string, string>
  body: string
}

/** The error shape every app answers failures with (fastify's): statusCode, a stable code, the reason phrase, a message. */
export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  [extra: string]: unknown
}

const JSON_TYPE = 'application/json; charset=utf-8'

export function errorBody (statusCode: number, code: string, message: string, extra: Record<string, unknown> = {}): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra }
}

export function jsonAnswer (statusCode: number, body: unknown, headers: Record<string, string> = {}): OpsAnswer {
  return { statusCode, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) }
}

export interface HealthOptions {
  /** Details for `GET /healthz` (liveness), e.g. a Redis link's state. Default none. */
  liveness?: () => Record<string, unknown>
  /** Readiness checks; more can be added with addCheck(). */
  checks?: readonly ReadinessCheck[]
}

/**
 * Liveness and readiness of one app instance, answered the same way by every
 * app. `GET /healthz`: 200 `{"status":"ok",...}` while the process answers.
 * `GET /readyz`: 200 `{"status":"ready",...details}` once the app listens and
 * every check passes; else 503 in the shared error shape plus
 * `"status":"unavailable"` and the details, with Retry-After. Before
 * markListening() the code is ERR_NOT_LISTENING; after markDraining(),
 * ERR_SHUTTING_DOWN (a load balancer stops sending work before the drain ends).
 */
export class Health {
  readonly #liveness: () => Record<string, unknown>
  readonly #checks: ReadinessCheck[]
  #state: 'starting' | 'listening' | 'draining' = 'starting'

  constructor (options: HealthOptions = {}) {
    this.#liveness = options.liveness ?? (() => ({}))
    this.#checks = [...(options.checks ?? [])]
  }

  /** Adds a check (run after the others); returns the function that removes it. */
  addCheck (check: ReadinessCheck): () => void {
    this.#checks.push(check)
    return () => {
      const at = this.#checks.indexOf(check)
      if (at !== -1) this.#checks.splice(at, 1)
    }
  }

  /** Call once every listener of the app is bound. */
  markListening (): void {
    if (this.#state === 'starting') this.#state = 'listening'
  }

  /** Call when the drain starts: readiness fails from now on, liveness stays 200. */
  markDraining (): void {
    this.#state = 'draining'
  }

  get state (): 'starting' | 'listening' | 'draining' {
    return this.#state
  }

  /** True when GET /readyz would answer 200 (also what the `eventwire_ready` gauge shows). */
  get ready (): boolean {
    return this.#evaluate().failure === null
  }

  liveness (): OpsAnswer {
    return jsonAnswer(200, { status: 'ok', ...this.#liveness() })
  }

  readiness (): OpsAnswer {
    const { details, failure } = this.#evaluate()
    if (failure === null) return jsonAnswer(200, { status: 'ready', ...details })
    const body = errorBody(503, failure.code ?? 'ERR_NOT_READY', failure.message ?? 'not ready', { status: 'unavailable', ...details })
    return jsonAnswer(503, body, { 'retry-after': String(failure.retryAfterSeconds ?? 1) })
  }

  /** Every check's details merged, and the first failure (the app's own state first). */
  #evaluate (): { details: Record<string, unknown>, failure: CheckResult | null } {
    let failure: CheckResult | null = null
    if (this.#state === 'starting') failure = { ready: false, code: 'ERR_NOT_LISTENING', message: 'not listening yet: the app is starting' }
    if (this.#state === 'draining') failure = { ready: false, code: 'ERR_SHUTTING_DOWN', message: 'shutting down: draining its connections' }
    let details: Record<string, unknown> = {}
    for (const check of this.#checks) {
      const result = check()
      if (result.details !== undefined) details = { ...details, ...result.details }
      if (!result.ready && failure === null) failure = result
    }
    return { details, failure }
  }
}
