import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commandAvailable, freePort, spawnUntilReady } from '@eventwire/testkit'

/** Debian's broker (package `mosquitto`, 2.0); MOSQUITTO_BIN overrides. */
export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto'

/** Whether the broker and its command-line clients (package `mosquitto-clients`) are installed. */
export function mosquittoAvailable (): boolean {
  return commandAvailable(MOSQUITTO_BIN) && commandAvailable('mosquitto_sub') && commandAvailable('mosquitto_pub')
}

export interface MosquittoOptions {
  /** Extra lines for the config file (after `listener`, `allow_anonymous`, `persistence`). */
  extraConfig?: string[]
  /** Default true. */
  allowAnonymous?: boolean
}

/** A real mosquitto on 127.0.0.1, for tests; `persistence false`, so a restart forgets every retained message. */
export interface MosquittoHandle {
  port: number
  url: string
  dir: string
  /** The broker's log lines (stderr), for failure messages. */
  log: string[]
  /** SIGTERM and wait for the exit; the port and directory stay for start(). */
  stop: () => Promise<void>
  /** SIGKILL and wait. */
  kill: () => Promise<void>
  /** Starts it again on the same port and waits until it accepts connections. */
  start: () => Promise<void>
  /** Stops it (if running) and removes the directory: call it in afterAll/afterEach. */
  close: () => Promise<void>
}

/**
 * Starts `mosquitto -c <temp dir>/mosquitto.conf` on a free port and resolves
 * once it accepts TCP connections (it handles CONNECT from then on).
 */
export async function startMosquitto (options: MosquittoOptions = {}): Promise<MosquittoHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'eventwire-mosquitto-'))
  const log: string[] = []
  let port = 0
  let child: ChildProcess | undefined
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    try {
      child = await spawnMosquitto(await writeConfig(dir, port, options), port, log)
      break
    } catch (err) {
      if (attempt >= 2) {
        await rm(dir, { recursive: true, force: true })
        throw err
      }
    }
  }
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, 'exit')
    running.kill(sig)
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    log,
    stop: async () => { await signal('SIGTERM') },
    kill: async () => { await signal('SIGKILL') },
    start: async () => {
      await signal('SIGTERM')
      child = await spawnMosquitto(join(dir, 'mosquitto.conf'), port, log)
    },
    close: async () => {
      await signal('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    }
  }
}

async function writeConfig (dir: string, port: number, options: MosquittoOptions): Promise<string> {
  const file = join(dir, 'mosquitto.conf')
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${options.allowAnonymous === false ? 'false' : 'true'}`,
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // As root mosquitto drops to the user `mosquitto`, who cannot read our 0700 temp dir (password files).
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...(options.extraConfig ?? [])
  ]
  await writeFile(file, lines.join('\n') + '\n')
  return file
}

async function spawnMosquitto (configFile: string, port: number, log: string[]): Promise<ChildProcess> {
  return await spawnUntilReady(MOSQUITTO_BIN, ['-c', configFile], {
    ready: async () => await canConnect(port),
    timeoutMs: 10_000,
    log,
    errors: {
      missing: (err) => new Error(`${MOSQUITTO_BIN} did not start (${err.message}): apt-get install mosquitto mosquitto-clients`),
      exited: (code) => new Error(`mosquitto exited (${String(code)}) before accepting connections: ${log.slice(-5).join(' | ')}`),
      timeout: () => new Error(`mosquitto on port ${port} did not accept connections within 10000 ms`)
    }
  })
}

async function canConnect (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.on('error', () => resolve(false))
    socket.on('connect', () => { socket.destroy(); resolve(true) })
  })
}
