import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, modulesLoadedBy } from '@eventwire/testkit'

const appDir = fileURLToPath(new URL('..', import.meta.url))

describe('@eventwire/chat-server as a library', () => {
  beforeAll(() => buildPackage(appDir), 60_000)

  it('loads neither pino (used by main.ts only) nor playwright-core when its factory is imported', () => {
    const loaded = modulesLoadedBy('@eventwire/chat-server', appDir)
    expect(loaded.some((url) => url.includes('/chat-server/dist/index.js'))).toBe(true)
    expect(loaded.filter((url) => /\/(pino|playwright-core)[@/]/.test(url))).toEqual([])
  })
})
