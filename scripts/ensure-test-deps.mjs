// Installs the system packages the test suites drive when they are missing:
// Debian's chromium for the browser tests (Playwright cannot download its own
// browser here), telnet and tmux for the test that drives a real telnet,
// redis-server for cluster mode, mosquitto for the door on MQTT (tests start
// their own servers on free ports).
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

function onPath (command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const missing = []
if (!existsSync(chromium)) missing.push('chromium')
for (const command of ['telnet', 'tmux', 'redis-server']) if (!onPath(command)) missing.push(command)
if (!onPath('mosquitto') && !existsSync('/usr/sbin/mosquitto')) missing.push('mosquitto')
if (!onPath('mosquitto_sub')) missing.push('mosquitto-clients')

if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot) {
    // Not root: say once what is missing and how to get it; the tests that need it skip with the same hint
    // (.ci/run runs as root and installs everything, so CI skips nothing).
    console.error(`tests that need ${missing.join(', ')} will be skipped: run "sudo apt-get install -y ${missing.join(' ')}" (or set CHROMIUM_PATH) to run them too`)
    process.exit(0)
  }
  console.log(`installing Debian packages for the tests: ${missing.join(', ')}…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
}
