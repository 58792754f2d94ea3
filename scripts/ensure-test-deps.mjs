// Installs the system packages the test suites need (Debian's chromium for the
// browser tests) when they are missing. Playwright cannot download its own
// browser here, so the distribution's build is the one the tests drive.
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

if (!existsSync(chromium)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot) {
    console.error(`browser tests need Chromium at ${chromium}: run "sudo apt-get install -y chromium" (or set CHROMIUM_PATH), then run the tests again`)
    process.exit(1)
  }
  console.log('installing Debian chromium for the browser tests…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env })
}
