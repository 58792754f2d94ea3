import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LineClient, startChild, waitUntil, type ChildHandle } from '@eventwire/testkit'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let children: ChildHandle[] = []
let clients: LineClient[] = []

function main (env: Record<string, string>): ChildHandle {
  const child = startChild(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { HOST: '127.0.0.1', DOOR_PORT: '0', DOOR_WEB_PORT: '0', ...env }
  })
  children.push(child)
  return child
}

async function listening (child: ChildHandle): Promise<{ tcp: number, web: number }> {
  const line = await child.waitForLine(/door-server listening/, 15_000, { earlier: true })
  const { tcp, web } = JSON.parse(line) as { tcp: string, web: string }
  return { tcp: Number(tcp.split(':').at(-1)), web: Number(web.split(':').at(-1)) }
}

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await Promise.all(children.map((c) => c.stop()))
  clients = []
  children = []
})

describe('main.ts (the service as deployed)', () => {
  it('reads open/close from stdin (DOOR_SENSOR=stdin), reports offline at EOF, and drains on SIGTERM with exit 0', async () => {
    const child = main({ DOOR_SENSOR: 'stdin' })
    const { tcp, web } = await listening(child)
    const c = await LineClient.connect(tcp)
    clients.push(c)
    child.child.stdin?.write('open\n')
    const [name, at] = JSON.parse(await c.next()) as [string, number]
    expect(name).toBe('open')
    expect(Math.abs(Date.now() - at)).toBeLessThan(60_000)
    const state = await (await fetch(`http://127.0.0.1:${web}/state`)).json() as { door: string }
    expect(state.door).toBe('open')
    child.child.stdin?.end()
    expect(JSON.parse(await c.next())[0]).toBe('offline')
    child.child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    await c.closed
  })

  it('delivers a burst of 3,000 stdin readings written at once to a client that reads normally (issue 10 item 14)', async () => {
    const child = main({ DOOR_SENSOR: 'stdin' })
    const { tcp } = await listening(child)
    const c = await LineClient.connect(tcp)
    clients.push(c)
    await child.waitForLine(/client connected/, 5000, { earlier: true })
    child.child.stdin?.write('close\nopen\n'.repeat(1500))
    await waitUntil(() => c.lines.length === 3000 || c.isClosed, 'all 3,000 events', 15_000)
    const names = c.lines.map((l) => (JSON.parse(l) as [string])[0])
    expect(names.filter((name, i) => name !== (i % 2 === 0 ? 'close' : 'open'))).toEqual([])
    expect(c.isClosed).toBe(false)
    expect(child.stdout.join('\n')).not.toMatch(/client is not reading/)
  })

  it('runs the simulated sensor by default', async () => {
    const child = main({ DOOR_SIM_MAX_MS: '50' })
    const { tcp } = await listening(child)
    const c = await LineClient.connect(tcp)
    clients.push(c)
    const names = (await c.take(4)).map((l) => (JSON.parse(l) as [string])[0])
    expect(names).toEqual(names[0] === 'open' ? ['open', 'close', 'open', 'close'] : ['close', 'open', 'close', 'open'])
  })

  it('lets DOOR_ALLOWED_ORIGINS open the dashboard WebSocket, refuses other origins, and stops on a bad entry', async () => {
    const child = main({ DOOR_ALLOWED_ORIGINS: 'https://door.example, http://localhost:3000' })
    const { web } = await listening(child)
    const status = async (origin: string): Promise<number> => await new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${web}/ws`, { origin })
      ws.on('error', () => {})
      ws.once('open', () => { ws.terminate(); resolve(101) })
      ws.once('unexpected-response', (_req, res) => { res.resume(); ws.terminate(); resolve(res.statusCode ?? 0) })
    })
    expect(await status('https://door.example')).toBe(101)
    expect(await status('http://localhost:3000')).toBe(101)
    expect(await status('https://evil.example')).toBe(403)

    const bad = main({ DOOR_ALLOWED_ORIGINS: 'https://door.example/path' })
    expect(await bad.exited).toBe(2)
    expect(bad.stderr.join('\n')).toMatch(/DOOR_ALLOWED_ORIGINS \(--allowed-origins\): .*door\.example\/path.* is not an origin/)
  })

  it('refuses to start an unauthenticated HTTP sensor', async () => {
    const child = main({ DOOR_SENSOR: 'http' })
    expect(await child.exited).toBe(2)
    expect(child.stderr.join('\n')).toMatch(/DOOR_SENSOR=http needs DOOR_SENSOR_TOKEN/)
  })
})
