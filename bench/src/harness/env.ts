import os from 'node:os'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { BENCH_ROOT } from './child.js'

const require = createRequire(path.join(BENCH_ROOT, 'package.json'))

/** Installed version of a package as the bench package resolves it. */
export function versionOf (pkg: string): string | undefined {
  try {
    const file = require.resolve(`${pkg}/package.json`)
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    // Packages whose exports hide package.json: find it next to the entry point.
    try {
      let dir = path.dirname(require.resolve(pkg))
      for (let i = 0; i < 5; i++) {
        try {
          const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string, version: string }
          if (pj.name === pkg) return pj.version
        } catch {}
        dir = path.dirname(dir)
      }
    } catch {}
    return undefined
  }
}

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  platform: string
  node: string
}

export function machine (): Machine {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version
  }
}
