import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'

/** Content types by file ending, for the few kinds of file our pages ship. */
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  json: 'application/json; charset=utf-8'
}

/** A door/speech-bubble-free mark: a small filled circle, so browsers log no 404 for /favicon.ico. */
const FAVICON = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#2b6cb0"/></svg>')

/**
 * Serves a page's files from `dir` (read once, at start: they never change while
 * the server runs, and a handful of files needs no static-file plugin). `files`
 * maps a route to a file name; the type comes from the name's ending. Every
 * answer carries `nosniff` and `no-cache`, and `/favicon.ico` is answered too.
 */
export function serveStaticFiles (app: FastifyInstance, dir: URL, files: Record<string, string>): void {
  const routes: Array<[string, Buffer, string]> = Object.entries(files).map(([route, file]) => {
    const type = TYPES[file.slice(file.lastIndexOf('.') + 1)]
    if (type === undefined) throw new Error(`no content type known for ${file}; add its ending to static-files.ts`)
    return [route, readFileSync(new URL(file, dir)), type]
  })
  if (files['/favicon.ico'] === undefined) routes.push(['/favicon.ico', FAVICON, TYPES.svg as string])
  for (const [route, body, type] of routes) {
    app.get(route, async (_request, reply) => await reply
      .type(type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(body))
  }
}
