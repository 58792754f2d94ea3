import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const known = new Map<string, boolean>()

/**
 * Whether a command (or an absolute path) is there to run. Tests that drive a
 * Debian package (telnet, tmux, redis-server, chromium) skip with
 * `describe.skipIf(!commandAvailable('tmux'))` on a machine without it;
 * `pnpm test` says once how to install it, and CI installs everything.
 */
export function commandAvailable (command: string): boolean {
  let found = known.get(command)
  if (found === undefined) {
    if (command.startsWith('/')) {
      found = existsSync(command)
    } else {
      try {
        execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
        found = true
      } catch {
        found = false
      }
    }
    known.set(command, found)
  }
  return found
}
