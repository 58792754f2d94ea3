import { once } from 'node:events'
import WebSocket from 'ws'

type Json = Record<string, any>

/** A real `ws` client that records every JSON event and lets a test wait for one. */
export class WsClient {
  readonly ws: WebSocket
  readonly events: Json[] = []
  #cursor = 0
  #wake: (() => void) | undefined
  readonly closed: Promise<{ code: number, reason: string }>

  constructor (ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => { this.events.push(JSON.parse(data.toString()) as Json); this.#wake?.() })
    ws.on('error', () => {})
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => { this.#wake?.(); resolve({ code, reason: reason.toString() }) }))
  }

  static async connect (port: number, options: WebSocket.ClientOptions = {}, query = ''): Promise<WsClient> {
    const client = new WsClient(new WebSocket(`ws://127.0.0.1:${port}/ws${query === '' ? '' : '?' + query}`, options))
    await once(client.ws, 'open')
    return client
  }

  send (value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  /** Consumes events until one matches (a `type`, or a predicate). */
  async waitFor (match: string | ((e: Json) => boolean), timeoutMs = 5000): Promise<Json> {
    const test = typeof match === 'string' ? (e: Json) => e.type === match : match
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.#cursor < this.events.length) {
        const e = this.events[this.#cursor++] as Json
        if (test(e)) return e
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed while waiting for ${String(match)}; got ${JSON.stringify(this.events.slice(-3))}`)
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error(`timed out waiting for ${String(match)}; got ${JSON.stringify(this.events.slice(-3))}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining)
        function done (): void { clearTimeout(timer); resolve() }
        this.#wake = done
      })
    }
  }

  async next (timeoutMs = 5000): Promise<Json> {
    return await this.waitFor(() => true, timeoutMs)
  }

  async close (): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.terminate()
    await this.closed
  }
}
