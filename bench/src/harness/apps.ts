import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The apps the bench depends on (workspace dependencies in bench/package.json). */
export type App = 'status-server' | 'http-bridge' | 'door-server' | 'chat-server'

/**
 * Why an app cannot be benchmarked (not installed or not built), or null.
 * The app is resolved as the jobs will import it, through its package's exports,
 * so the check holds wherever the workspace puts the app.
 */
export function appMissing (app: App): string | null {
  const pkg = `@eventwire/${app}`
  let entry: string
  try {
    entry = fileURLToPath(import.meta.resolve(pkg))
  } catch (err) {
    return `${pkg} does not resolve (a workspace dependency of bench: run pnpm install): ${(err as Error).message.split('\n')[0]}`
  }
  // import.meta.resolve maps the exports without checking that the file is there.
  if (!existsSync(entry)) return `${pkg} is not built, ${entry} is missing (run pnpm bench, which builds it first)`
  return null
}
