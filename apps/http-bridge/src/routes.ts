import { STATUS_CODES } from 'node:http'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { FailureCodes, type LookupFailure } from './failures.js'
import type { UpstreamPool } from './upstream-pool.js'

/** Three ASCII digits and nothing else: `$` in JSON-schema patterns does not match before a trailing newline. */
const statusCodeSchema = { type: 'string', pattern: '^[0-9]{3}$' } as const

const describedSchema = {
  type: 'object',
  required: ['code', 'data'],
  properties: { code: { type: 'integer' }, data: { type: 'string' } }
} as const

function sendFailure (reply: FastifyReply, failure: LookupFailure): void {
  reply.code(failure.statusCode)
  if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.retryAfterSeconds))
  // Same shape as fastify's own errors (the 400 from validation), so clients parse one shape.
  void reply.send({ statusCode: failure.statusCode, code: failure.code, error: STATUS_CODES[failure.statusCode], message: failure.message })
}

/**
 * The bridge's HTTP surface. Handlers are plain (not async) functions that
 * answer from the pool's callback, which saves a promise per request.
 */
export function registerRoutes (app: FastifyInstance, pool: UpstreamPool, draining: () => boolean): void {
  const answer = (reply: FastifyReply, code: string): void => {
    pool.lookup(code, (failure, line) => {
      // Node's server.close() only reaps connections idle at that moment; one busy
      // with this lookup would otherwise stay open (keep-alive) and stall the drain.
      if (draining()) reply.header('connection', 'close')
      if (failure === null) void reply.send({ code: Number(code), data: line })
      else sendFailure(reply, failure)
    })
  }

  // The tutorial's URL, kept for its clients.
  app.get<{ Querystring: { statusCode: string } }>('/', {
    schema: {
      querystring: { type: 'object', required: ['statusCode'], properties: { statusCode: statusCodeSchema } },
      response: { 200: describedSchema }
    }
  }, (request, reply) => {
    answer(reply, request.query.statusCode)
  })

  app.get<{ Params: { code: string } }>('/status/:code', {
    schema: {
      params: { type: 'object', required: ['code'], properties: { code: statusCodeSchema } },
      response: { 200: describedSchema }
    }
  }, (request, reply) => {
    answer(reply, request.params.code)
  })

  // Liveness: the process answers HTTP. Never depends on the upstream.
  app.get('/healthz', (_request, reply) => {
    void reply.send({ status: 'ok' })
  })

  // Readiness: a load balancer should send traffic only while status-server is reachable.
  app.get('/readyz', (_request, reply) => {
    const upstream = pool.state
    if (upstream.connected > 0) {
      void reply.send({ status: 'ready', upstream })
      return
    }
    reply.code(503).header('retry-after', '1')
    void reply.send({ statusCode: 503, code: FailureCodes.UPSTREAM_DOWN, error: STATUS_CODES[503], message: 'not connected to status-server', upstream })
  })
}
