import { describe, expect, it } from 'vitest'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { startChild } from '@eventwire/testkit'

const fixture = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url))
const cwd = fileURLToPath(new URL('..', import.meta.url))

function run (env: NodeJS.ProcessEnv): ReturnType<typeof startChild> {
  return startChild(process.execPath, ['--import', 'tsx', fixture], { env, cwd })
}

describe('runService', () => {
  it('logs the bound address and exits 0 after draining on SIGTERM', async () => {
    const child = run({ CLOSE_MS: '100' })
    const line = await child.waitForLine(/listening on 127\.0\.0\.1:\d+/)
    expect(line).toContain('"name":"fixture"')
    child.child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    expect(child.stdout.join('\n')).toMatch(/fixture draining[\s\S]*fixture stopped/)
  })

  it('still exits 0 on SIGTERM when stdout is a closed pipe (main.js | head)', async () => {
    const child = run({ CLOSE_MS: '0' })
    await child.waitForLine(/listening on/)
    child.child.stdout?.destroy() // the reader went away: every later log line hits EPIPE
    child.child.kill('SIGTERM')
    const timer = setTimeout(() => child.child.kill('SIGKILL'), 5000)
    expect(await child.exited).toBe(0)
    clearTimeout(timer)
  })

  it('exits 1 when the drain overruns its deadline', async () => {
    const child = run({ CLOSE_MS: '5000', SHUTDOWN_TIMEOUT_MS: '100' })
    await child.waitForLine(/listening on/)
    child.child.kill('SIGTERM')
    expect(await child.exited).toBe(1)
  })

  it('exits 2 with one line naming the variable when the port is taken, and no stack trace', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const child = run({ PORT: String(port) })
      expect(await child.exited).toBe(2)
      expect(child.stderr).toEqual([`fixture: PORT ${port} is in use; set PORT to a free port`])
      expect(child.stdout.join('\n')).not.toMatch(/at .*\.js:\d+/)
    } finally {
      blocker.close()
    }
  })

  it('exits 2 with one line for a bad LOG_LEVEL, before anything starts', async () => {
    const child = run({ LOG_LEVEL: 'verbose' })
    expect(await child.exited).toBe(2)
    expect(child.stderr).toEqual(['fixture: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"; unset it for info'])
  })
})
