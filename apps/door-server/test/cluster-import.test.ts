import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, modulesLoadedBy } from '@eventwire/testkit'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const ioredis = (urls: string[]): string[] => urls.filter((url) => /\/ioredis[@/]/.test(url))

describe('@eventwire/door-server/cluster', () => {
  beforeAll(() => buildPackage(appDir), 60_000)

  it('is where ioredis comes in: the in-process factory does not load it', () => {
    expect(ioredis(modulesLoadedBy('@eventwire/door-server', appDir))).toEqual([])
    const cluster = modulesLoadedBy('@eventwire/door-server/cluster', appDir)
    expect(cluster.some((url) => url.includes('/door-server/dist/cluster/index.js'))).toBe(true)
    expect(ioredis(cluster)).not.toEqual([])
  })
})
