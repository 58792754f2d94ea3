// `pnpm cluster`: the cluster-mode demo on one machine. Starts a throw-away
// redis-server (no persistence) on a free port, builds the two apps, runs two
// chat-server and two door-server instances against it (REDIS_URL), each on
// its own ports, and prints where everything is. Ctrl-C stops the apps (each
// drains), then Redis, and exits 0. Without redis-server: how to install it, exit 2.
// The root script is `exec node scripts/cluster.mjs`: without `exec`, dash (Debian's sh, which pnpm
// runs scripts with) re-raises Ctrl-C after this script exited 0, and pnpm reports exit 130.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tty = process.stdout.isTTY && process.env.NO_COLOR === undefined
const paint = (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text)
const redisBin = process.env.REDIS_SERVER_BIN || 'redis-server'
const token = randomBytes(6).toString('hex')

/** Each instance: its app, its environment (ports are filled in), the colour of its log prefix. */
const instances = [
  { name: 'door-a', app: 'door-server', color: 33, ports: { DOOR_PORT: 8000, DOOR_WEB_PORT: 8002 }, env: { DOOR_SENSOR: 'simulated' } },
  { name: 'door-b', app: 'door-server', color: 93, ports: { DOOR_PORT: 8010, DOOR_WEB_PORT: 8012 }, env: { DOOR_SENSOR: 'http', DOOR_SENSOR_TOKEN: token } },
  { name: 'chat-a', app: 'chat-server', color: 32, ports: { CHAT_PORT: 8001, CHAT_WEB_PORT: 8081, CHAT_IRC_PORT: 6667 }, env: {} },
  { name: 'chat-b', app: 'chat-server', color: 92, ports: { CHAT_PORT: 8011, CHAT_WEB_PORT: 8091, CHAT_IRC_PORT: 6677 }, env: {} }
]

const children = new Map()
let redis = null
let redisDir = null
let stopping = false
let exitCode = 0
// Own process groups: Ctrl-C reaches this script only, which then stops each instance once
// (a second signal would make an instance exit without draining) and Redis after them.
const detached = true

function hasRedis () {
  if (redisBin.includes('/')) return spawnSync(redisBin, ['--version'], { stdio: 'ignore' }).status === 0
  return spawnSync('/bin/sh', ['-c', `command -v ${redisBin}`], { stdio: 'ignore' }).status === 0
}

/** `preferred` when nothing listens there, else a free port the OS picks. */
async function portFor (preferred) {
  const tryListen = (port) => new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(null))
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address()
      server.close(() => resolve(bound))
    })
  })
  return (await tryListen(preferred)) ?? (await tryListen(0))
}

function ping (port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let answer = ''
    const done = (ok) => { clearTimeout(timer); socket.destroy(); resolve(ok) }
    const timer = setTimeout(() => done(false), 500)
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => { answer += chunk; if (answer.includes('\r\n')) done(answer.startsWith('+PONG')) })
  })
}

/** redis-server in a temporary directory: no RDB snapshots, no AOF (the demo keeps nothing). */
async function startRedis () {
  const port = await portFor(6379)
  redisDir = mkdtempSync(join(tmpdir(), 'eventwire-cluster-'))
  redis = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'], detached })
  for (const stream of [redis.stdout, redis.stderr]) pipeLines(stream, (line) => console.log(`${paint(31, 'redis'.padEnd(8))} ${line}`))
  redis.on('exit', (code, signal) => {
    if (!stopping) console.error(paint(31, `*** redis-server stopped (${signal ?? `exit ${code}`}); the instances say "Redis link down" and keep their clients ***`))
  })
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) return port
    if (redis.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not answer PING on port ${port}`)
}

function pipeLines (stream, onLine) {
  let rest = ''
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') onLine(line)
  })
}

/** A pino JSON line shortened to its message (errors in red); other lines as they are. */
function show (instance, line) {
  let msg = line
  try {
    const entry = JSON.parse(line)
    if (typeof entry.msg === 'string') msg = entry.level >= 50 ? paint(31, entry.msg) : entry.level >= 40 ? paint(33, entry.msg) : entry.msg
  } catch {}
  console.log(`${paint(instance.color, instance.name.padEnd(8))} ${msg}`)
}

/** Starts every instance; resolves once each has printed its "listening" line (rejects if one exits first). */
function startInstances (redisUrl) {
  return Promise.all(instances.map((instance) => new Promise((resolve, reject) => {
    const env = { ...process.env, HOST: '127.0.0.1', REDIS_URL: redisUrl, REDIS_PREFIX: 'eventwire:', ...instance.env }
    for (const [variable, port] of Object.entries(instance.ports)) env[variable] = String(port)
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: join(root, 'apps', instance.app), env, stdio: ['ignore', 'pipe', 'pipe'], detached })
    children.set(instance.name, child)
    let up = false
    for (const stream of [child.stdout, child.stderr]) {
      pipeLines(stream, (line) => {
        show(instance, line)
        if (!up && /listening/.test(line)) { up = true; resolve() }
      })
    }
    child.on('exit', (code, signal) => {
      children.delete(instance.name)
      if (!up) reject(new Error(`${instance.name} (${instance.app}) exited (${signal ?? `exit ${code}`}) before listening; its output is above`))
      else if (!stopping) console.error(paint(31, `*** ${instance.name} stopped (${signal ?? `exit ${code}`}); the others keep running ***`))
      if (stopping && children.size === 0) finish(exitCode)
    })
  })))
}

function summary (redisPort) {
  const [doorA, doorB, chatA, chatB] = instances.map((i) => i.ports)
  const lines = [
    '',
    paint(1, 'eventwire cluster is up (REDIS_URL set on every instance):'),
    `  redis-server   redis://127.0.0.1:${redisPort}   (no persistence: a throw-away store; keys under eventwire:)`,
    `  door-a         TCP ${doorA.DOOR_PORT}   dashboard http://127.0.0.1:${doorA.DOOR_WEB_PORT}/   simulated sensor`,
    `  door-b         TCP ${doorB.DOOR_PORT}   dashboard http://127.0.0.1:${doorB.DOOR_WEB_PORT}/   HTTP sensor`,
    `  chat-a         TCP ${chatA.CHAT_PORT}   web http://127.0.0.1:${chatA.CHAT_WEB_PORT}/   IRC ${chatA.CHAT_IRC_PORT}`,
    `  chat-b         TCP ${chatB.CHAT_PORT}   web http://127.0.0.1:${chatB.CHAT_WEB_PORT}/   IRC ${chatB.CHAT_IRC_PORT}`,
    '  try:           nc localhost ' + doorB.DOOR_PORT + '   (door-a\'s simulated flips, delivered by door-b)',
    `                 curl -X POST localhost:${doorB.DOOR_WEB_PORT}/sensor -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"state":"open"}'`,
    `                 curl localhost:${doorA.DOOR_WEB_PORT}/readyz   (the Redis link state)`,
    `                 nc localhost ${chatA.CHAT_PORT}  and  nc localhost ${chatB.CHAT_PORT}   (chat: two instances, one room)`,
    '  Ctrl-C stops everything.',
    ''
  ]
  console.log(lines.join('\n'))
}

function finish (code) {
  if (redis !== null && redis.exitCode === null && redis.signalCode === null) {
    redis.once('exit', () => finish(code))
    redis.kill('SIGTERM')
    return
  }
  if (redisDir !== null) rmSync(redisDir, { recursive: true, force: true })
  process.exit(code)
}

function stop (code = 0) {
  if (stopping) return
  stopping = true
  exitCode = code
  console.log('\nstopping every instance, then redis-server…')
  if (children.size === 0) finish(code)
  for (const child of children.values()) child.kill('SIGTERM')
  // A drain that hangs must not keep the demo (or Redis) alive.
  setTimeout(() => { for (const child of children.values()) child.kill('SIGKILL') }, 10_000).unref()
}

async function main () {
  if (!hasRedis()) {
    console.error('pnpm cluster needs redis-server (Redis 7), which is not installed.')
    console.error('Install it with:  sudo apt-get install redis-server   (or set REDIS_SERVER_BIN to its path)')
    process.exit(2)
  }
  process.on('SIGINT', () => stop(0))
  process.on('SIGTERM', () => stop(0))
  const build = spawnSync(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--filter=@eventwire/door-server...', '--filter=@eventwire/chat-server...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) {
    console.error(paint(31, 'pnpm cluster: the build failed (above)'))
    process.exit(build.status ?? 1)
  }
  const redisPort = await startRedis()
  for (const instance of instances) {
    for (const [variable, preferred] of Object.entries(instance.ports)) instance.ports[variable] = await portFor(preferred)
  }
  try {
    await startInstances(`redis://127.0.0.1:${redisPort}`)
  } catch (err) {
    console.error(paint(31, `pnpm cluster: ${err.message}`))
    stop(1)
    return
  }
  if (!stopping) summary(redisPort)
}

main().catch((err) => {
  console.error(paint(31, `pnpm cluster: ${err.message}`))
  stop(1)
})
