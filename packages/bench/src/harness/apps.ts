import { existsSync } from 'node:fs'
import path from 'node:path'
import { BENCH_ROOT } from './child.js'

/** Why an app cannot be benchmarked yet (source or build missing), or null. */
export function appMissing (app: string): string | null {
  const dir = path.resolve(BENCH_ROOT, '../../apps', app)
  if (!existsSync(path.join(dir, 'src/index.ts'))) return `apps/${app}/src/index.ts does not exist yet`
  if (!existsSync(path.join(dir, 'dist/index.js'))) return `apps/${app} is not built (run pnpm bench, which builds it first)`
  return null
}
