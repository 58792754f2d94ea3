// `pnpm test`: every package's suite through turbo, then one grand total for the
// whole monorepo, summed over each package's vitest summary line
// ("      Tests  54 passed (54)", behind turbo's "pkg:test:" prefix).
import { spawn } from 'node:child_process'

const child = spawn('pnpm', ['exec', 'turbo', 'run', 'test', '--concurrency', '1', ...process.argv.slice(2)], { stdio: ['inherit', 'pipe', 'inherit'] })
const totals = { passed: 0, failed: 0, skipped: 0 }
let rest = ''

function count (line) {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '')
  const m = /:test:\s+Tests\s+(.*)$/.exec(plain)
  if (m === null) return
  for (const [, n, word] of m[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[word] += Number(n)
}

child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  const lines = (rest + chunk.toString()).split('\n')
  rest = lines.pop() ?? ''
  for (const line of lines) count(line)
})

child.on('close', (code, signal) => {
  count(rest)
  const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${skipped}\n`)
  process.exit(code ?? (signal === null ? 1 : 1))
})
