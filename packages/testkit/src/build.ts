import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * Compiles a package (`tsc -p tsconfig.build.json` in `packageDir`) so a test can
 * run the artifact production runs (`node dist/main.js`) rather than a stale
 * build. Takes a second or two; call it from beforeAll with a generous timeout.
 */
export function buildPackage (packageDir: string): void {
  const require = createRequire(path.join(packageDir, 'package.json'))
  const tsc = require.resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: packageDir, stdio: 'pipe' })
}
