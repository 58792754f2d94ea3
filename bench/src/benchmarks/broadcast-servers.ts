import type { Contender } from '../harness/types.js'
import type { Proto } from '../jobs/_clients.js'

/** How to start one broadcast server contender (jobs/server.ts) and speak to it. */
export interface ServerSpec {
  server: 'chat' | 'door' | 'socket.io' | 'ws' | 'net'
  port: 'tcp' | 'web'
  proto: Proto
}

/** Every broadcast server the fan-out and memory benchmarks compare, with its contender entry. */
const servers: Record<string, ServerSpec & { contender: Contender }> = {
  'chat-tcp': { server: 'chat', port: 'tcp', proto: 'tcp-lines', contender: { id: 'chat-tcp', role: 'ours', pkg: '@eventwire/chat-server' } },
  'chat-ws': { server: 'chat', port: 'web', proto: 'ws-json', contender: { id: 'chat-ws', role: 'ours', pkg: '@eventwire/chat-server' } },
  'door-tcp': { server: 'door', port: 'tcp', proto: 'tcp-lines', contender: { id: 'door-tcp', role: 'ours', pkg: '@eventwire/door-server' } },
  'socket.io': { server: 'socket.io', port: 'web', proto: 'socket.io', contender: { id: 'socket.io', role: 'peer', pkg: 'socket.io' } },
  ws: { server: 'ws', port: 'web', proto: 'ws-json', contender: { id: 'ws', role: 'peer', pkg: 'ws' } },
  'raw-net': { server: 'net', port: 'tcp', proto: 'net-lines', contender: { id: 'raw-net', role: 'limit' } }
}

/** The contender list for the given server ids, in that order. */
export function contendersFor (ids: readonly string[]): Contender[] {
  return ids.map((id) => serverSpec(id).contender)
}

/** The spec of one contender id. */
export function serverSpec (id: string): ServerSpec & { contender: Contender } {
  const spec = servers[id]
  if (spec === undefined) throw new Error(`no broadcast server spec for contender ${id}`)
  return spec
}
