import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const hooks = fileURLToPath(new URL('../hooks/record-loads.mjs', import.meta.url))

/**
 * The module URLs a fresh Node process loads to `import(specifier)` from
 * `cwd`: how a test proves that importing an app's factory as a library does
 * not pull in pino, or that playwright-core stays out of non-browser suites.
 */
export function modulesLoadedBy (specifier: string, cwd: string): string[] {
  const result = spawnSync(process.execPath, ['--import', hooks, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], { cwd, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`importing ${specifier} failed: ${result.stderr.split('\n').filter((l) => !l.startsWith('[loaded] ')).join('\n')}`)
  return result.stderr.split('\n').filter((line) => line.startsWith('[loaded] ')).map((line) => line.slice(9))
}
