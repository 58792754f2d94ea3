import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** The hard `Max open files` of this process (what a child may raise its soft limit to without privilege). */
function hardLimit (): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const hard = Number(line?.split(/\s{2,}/)[2])
    return Number.isInteger(hard) && hard > 0 ? hard : 1024
  } catch {
    return 1024
  }
}

export interface OpenFiles {
  /** Descriptors a job may have: `wanted` when prlimit may raise the hard limit (root with CAP_SYS_RESOURCE), else the hard limit. */
  limit: number
  /** Why the limit is lower than wanted, for the benchmark's notes; null when it is not. */
  shortfall: string | null
}

/** How many open files jobs can be given here, tried for real with prlimit on a throwaway `true`. */
export function openFilesFor (wanted: number): OpenFiles {
  try {
    execFileSync('prlimit', [`--nofile=${wanted}:${wanted}`, 'true'], { stdio: 'pipe' })
    return { limit: wanted, shortfall: null }
  } catch (err) {
    const hard = hardLimit()
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message
    return { limit: hard, shortfall: `this machine allows ${hard.toLocaleString('en')} open files per process and prlimit cannot raise it (${why}; raising the hard limit needs CAP_SYS_RESOURCE)` }
  }
}
