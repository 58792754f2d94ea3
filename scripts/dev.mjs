// `pnpm dev`: builds the shared packages, runs every app with `tsx watch`, and
// prints one summary of what runs where once all of them are listening. An app
// that fails is loud; Ctrl-C stops them all and exits 0 once they drained.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const apps = ['status-server', 'http-bridge', 'door-server', 'chat-server']
const colors = { 'status-server': 36, 'http-bridge': 35, 'door-server': 33, 'chat-server': 32 }
const tty = process.stdout.isTTY && process.env.NO_COLOR === undefined
const paint = (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text)

// The apps import the packages' dist/; build those (and only those) first.
const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./apps/*^...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) {
  console.error(paint(31, 'pnpm dev: building the packages failed (above); fix it and run pnpm dev again'))
  process.exit(build.status ?? 1)
}

const listening = new Map()
const children = new Map()
let stopping = false

function summary () {
  const lines = apps.map((app) => `  ${app.padEnd(14)} ${listening.get(app)}`)
  const extra = [
    '  try:           printf \'404\\n200\\n\' | nc -N localhost 9670',
    '                 curl \'localhost:8090/?statusCode=404\'',
    '                 npx -y pnpm@10 door-client localhost 8000 2',
    '                 nc localhost 8001   (chat; or telnet localhost 8001)',
    '  Ctrl-C stops everything.'
  ]
  console.log(['', paint(1, 'eventwire is up:'), ...lines, ...extra, ''].join('\n'))
}

function onLine (app, line, fromStderr) {
  // A start-up failure is one line on stderr ("status-server: STATUS_PORT 9670 is in use; …"):
  // tsx watch keeps waiting for a change, so this is the moment to be loud about it.
  if (fromStderr && (line.startsWith(`${app}: `) || line.startsWith(`${app} failed`))) {
    console.error(paint(31, `\n*** ${app} did not start: ${line.slice(app.length).replace(/^:? ?/, '')}\n*** fix it and save any file of ${app} to retry (tsx watch restarts it), or Ctrl-C\n`))
    return
  }
  let msg = line
  try {
    const entry = JSON.parse(line)
    msg = typeof entry.msg === 'string' ? entry.msg : line
    if (entry.level >= 50) msg = paint(31, msg)
  } catch {}
  console.log(`${paint(colors[app], app.padEnd(14))} ${msg}`)
  if (!listening.has(app) && msg.startsWith(`${app} listening`)) {
    listening.set(app, msg.replace(/^[a-z-]+ listening:? (on )?/, ''))
    if (listening.size === apps.length) summary()
  }
}

for (const app of apps) {
  // Each app in a process group of its own: Ctrl-C reaches only this script, which then asks
  // every app once (SIGTERM) to drain; a second signal would make an app exit without draining.
  // tsx itself, not through pnpm: one process that forwards the signal to the app once.
  const child = spawn(`${root}apps/${app}/node_modules/.bin/tsx`, ['watch', '--clear-screen=false', 'src/main.ts'], { cwd: `${root}apps/${app}`, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.set(app, child)
  for (const stream of [child.stdout, child.stderr]) {
    let rest = ''
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') onLine(app, line, stream === child.stderr)
    })
  }
  child.on('exit', (code, signal) => {
    children.delete(app)
    if (!stopping) console.error(paint(31, `\n*** ${app} stopped (${signal ?? `exit ${code}`}); its last lines are above. The other apps keep running. ***\n`))
    if (children.size === 0) process.exit(stopping ? 0 : 1)
  })
}

function stop () {
  if (stopping) return
  stopping = true
  console.log('\nstopping every app…')
  for (const child of children.values()) child.kill('SIGTERM') // tsx watch passes it on to the app
  setTimeout(() => { for (const child of children.values()) signalGroup(child, 'SIGKILL') }, 12_000).unref()
}

/** The whole group (tsx watch and the app), so nothing is left behind after the deadline. */
function signalGroup (child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    child.kill(signal)
  }
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
