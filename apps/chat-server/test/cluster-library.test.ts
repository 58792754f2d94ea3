import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, modulesLoadedBy } from '@eventwire/testkit'

const appDir = fileURLToPath(new URL('..', import.meta.url))

describe('@eventwire/chat-server cluster mode as a library', () => {
  beforeAll(() => buildPackage(appDir), 60_000)

  it('the factory loads no Redis client; @eventwire/chat-server/cluster does, with the cluster package', () => {
    const redis = (urls: string[]): string[] => urls.filter((url) => /\/(ioredis|@eventwire\/cluster|packages\/cluster)\//.test(url))
    expect(redis(modulesLoadedBy('@eventwire/chat-server', appDir))).toEqual([])
    const cluster = modulesLoadedBy('@eventwire/chat-server/cluster', appDir)
    expect(cluster.some((url) => url.includes('/chat-server/dist/cluster/index.js'))).toBe(true)
    expect(cluster.some((url) => /\/ioredis\//.test(url))).toBe(true)
  })
})
