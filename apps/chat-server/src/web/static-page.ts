import { readFileSync } from 'node:fs'

/** The page's files, read once at start-up: three small files need no static-file plugin. */
export interface StaticFile {
  body: Buffer
  type: string
}

// src/web and dist/web are both two levels below the package, next to public/.
const publicDir = new URL('../../public/', import.meta.url)

const files: Array<[route: string, file: string, type: string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/style.css', 'style.css', 'text/css; charset=utf-8']
]

export function loadPage (): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>()
  for (const [route, file, type] of files) out.set(route, { body: readFileSync(new URL(file, publicDir)), type })
  return out
}
