#!/usr/bin/env node
// The CLI lives in dist/ after a build; this stub exists so the bin link is valid before it, and says
// what to do instead of Node's ERR_MODULE_NOT_FOUND when dist/ is not there yet.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/door-client.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('door-client: not built yet; run "npx -y pnpm@10 build" at the repository root (or use "npx -y pnpm@10 door-client HOST PORT SECONDS", which runs it from source)\n')
  process.exit(2)
}
await import(cli.href)
