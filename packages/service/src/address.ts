import type { AddressInfo } from 'node:net'
import type { Server } from 'node:net'

/** `127.0.0.1:9670` or `[::1]:9670`: the address a server really bound, for logs and tests. */
export function formatAddress (address: AddressInfo | string | null): string {
  if (address === null) return 'not listening'
  if (typeof address === 'string') return address
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`
}

/** Listens and resolves with the bound address; rejects (EADDRINUSE, EACCES) instead of emitting 'error'. */
export function listen (server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}
