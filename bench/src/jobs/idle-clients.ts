import { connectClient, connectMany, type BenchClient, type Proto } from './_clients.js'
import { main, on, params, send } from './_ipc.js'

interface Params { proto: Proto, port: number, clients: number, batch: number, mark?: string, hasSender?: boolean, localAddress?: string }

/**
 * Opens `clients` connections and holds them idle. With `mark`, each client
 * counts lines carrying it, and `broadcast` sends one such line from client 0
 * (the parent waits for `reached` from every clients process).
 */
main(async () => {
  const p = params<Params>()
  const mark = p.mark ?? '\u0000never'
  let marked = 0
  let done = false
  let closed = 0
  // Every line (or WebSocket message) these clients received: joins, digests, history, the broadcast.
  let lines = 0
  const onLines = (n: number): void => { lines += n }
  // The sender (client 0 here) is not sent its own message over TCP; over WebSocket the author gets an echo.
  const expect = p.hasSender === true && p.proto !== 'ws-json' ? p.clients - 1 : p.clients
  const list: BenchClient[] = await connectMany(p.clients, p.batch, () => connectClient(p.proto, p.port, mark, () => {
    if (++marked === expect && !done) { done = true; send({ type: 'reached', clients: marked }) }
  }, { localAddress: p.localAddress, onLines }))
  send({ type: 'connected', clients: list.length, lines })
  on('broadcast', (m) => { list[0]!.send(`${mark} ${String(m.text ?? 'hello everyone')}`) })
  for (const c of list) void c.closed.then(() => { closed++ })
  on('count', () => { send({ type: 'counted', marked, closed, lines }) })
  on('stop', () => {
    for (const c of list) c.close()
    setTimeout(() => process.exit(0), 50)
  })
})
