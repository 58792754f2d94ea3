import type { FastifyInstance, FastifyReply } from 'fastify'
import { registerOpsRoutes } from '@eventwire/kit/web'
import type { BridgeOps } from './bridge-ops.js'
import { DescribedBodies } from './described-body.js'
import { FailureCodes, failureResponse, type LookupFailure } from './failures.js'
import type { UpstreamPool } from './upstream-pool.js'

/** Three ASCII digits and nothing else: `$` in JSON-schema patterns does not match before a trailing newline. */
const statusCodeSchema = { type: 'string', pattern: '^[0-9]{3}$' } as const

const describedSchema = {
  type: 'object',
  required: ['code', 'data'],
  properties: { code: { type: 'integer' }, data: { type: 'string' } }
} as const

/** What `GET /` with no query answers, and what a 404 lists: the routes there are. */
export const ROUTES = {
  'GET /status/{code}': 'the description of a 3-digit status code, from status-server: {"code":404,"data":"Code 404: ..."}',
  'GET /?statusCode={code}': 'the same (the tutorial\'s URL)',
  'GET /healthz': 'liveness: 200 while the process runs',
  'GET /readyz': 'readiness: 200 while a connection to status-server is up, else 503'
} as const

/** Serialised once, and sent as a string so the route's 200 schema (the lookup's shape) does not apply to it. */
const INDEX_BODY = JSON.stringify({ service: 'http-bridge', routes: ROUTES, example: '/status/404' })

const JSON_TYPE = 'application/json; charset=utf-8'

/** Status and headers from the one table in failures.ts; the body in fastify's error shape (the 400 from validation has it too). */
function sendFailure (reply: FastifyReply, failure: LookupFailure, extra: Record<string, unknown> = {}): void {
  const { statusCode, headers, body } = failureResponse(failure)
  void reply.code(statusCode).headers(headers).send({ ...body, ...extra })
}

/**
 * The bridge's HTTP surface. Handlers are plain (not async) functions that
 * answer from the pool's callback, which saves a promise per request.
 */
export function registerRoutes (app: FastifyInstance, pool: UpstreamPool, draining: () => boolean, ops: BridgeOps): void {
  const bodies = new DescribedBodies()
  /** The 200 body as the route's schema serialises it, built once per code and line, then reused. */
  const describedBody = (reply: FastifyReply, code: string, line: string): string => {
    const kept = bodies.find(code, line)
    if (kept !== undefined) return kept
    const json = reply.serialize({ code: Number(code), data: line }) as string
    bodies.keep(code, line, json)
    return json
  }
  const answer = (reply: FastifyReply, code: string): void => {
    const startedAt = performance.now()
    pool.lookup(code, (failure, line) => {
      ops.lookups.record(failure, startedAt)
      // Node's server.close() only reaps connections idle at that moment; one busy
      // with this lookup would otherwise stay open (keep-alive) and stall the drain.
      if (draining()) reply.header('connection', 'close')
      // A string with a JSON type is sent as it is: fastify does not serialise it again.
      if (failure === null) void reply.type(JSON_TYPE).send(describedBody(reply, code, line))
      else sendFailure(reply, failure)
    })
  }

  // The tutorial's URL, kept for its clients; with no statusCode at all, it says what the routes are.
  app.get<{ Querystring: { statusCode?: string } }>('/', {
    schema: {
      querystring: { type: 'object', properties: { statusCode: statusCodeSchema } },
      response: { 200: describedSchema }
    }
  }, (request, reply) => {
    const code = request.query.statusCode
    if (code === undefined) void reply.type(JSON_TYPE).send(INDEX_BODY)
    else answer(reply, code)
  })

  app.get<{ Params: { code: string } }>('/status/:code', {
    schema: {
      params: { type: 'object', required: ['code'], properties: { code: statusCodeSchema } },
      response: { 200: describedSchema }
    }
  }, (request, reply) => {
    answer(reply, request.params.code)
  })

  // Liveness (never depends on the upstream), readiness (listening, a link to status-server up:
  // a load balancer sends traffic only then) and the Prometheus scrape, as every app answers them.
  registerOpsRoutes(app, { health: ops.health, metrics: ops.metrics })

  // The same JSON error shape as every other failure, with a code, and the routes there are.
  app.setNotFoundHandler((request, reply) => {
    sendFailure(reply, { code: FailureCodes.NOT_FOUND, message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}; see "routes"` }, { routes: ROUTES })
  })
}
