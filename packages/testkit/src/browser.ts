import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium; CHROMIUM_PATH overrides. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Launches the system Chromium headless. Playwright's own browser downloads are
 * not reachable here, so the tests use the distribution's build; `.ci/run` and
 * `pnpm test` install it when missing.
 */
export async function launchChromium (): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: run "apt-get install -y chromium" (pnpm test does it when run as root) or set CHROMIUM_PATH`)
  }
  return await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
  })
}
