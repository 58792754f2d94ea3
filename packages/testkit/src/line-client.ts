import net from 'node:net'
import { once } from 'node:events'
import { LineSplitter } from '@eventwire/protocol'

/**
 * A raw TCP client that collects every line it receives, as `nc` would show
 * them, and lets a test wait for a given line with a timeout.
 */
export class LineClient {
  readonly socket: net.Socket
  readonly lines: string[] = []
  #cursor = 0
  #waiters = new Set<() => void>()
  #closed = false
  readonly closed: Promise<void>

  constructor (socket: net.Socket, maxLineBytes = 16 * 1024 * 1024) {
    this.socket = socket
    const splitter = new LineSplitter({
      maxLineBytes,
      onLine: (line) => { this.lines.push(line); this.#wake() },
      onError: (err) => socket.destroy(err)
    })
    socket.on('data', (chunk: Buffer) => splitter.push(chunk))
    socket.on('error', () => {}) // a reset is an outcome the test asserts through `closed`
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.#closed = true
      splitter.end()
      this.#wake()
      resolve()
    }))
  }

  get isClosed (): boolean {
    return this.#closed
  }

  /** Connects to 127.0.0.1:port (or host) and resolves once connected. */
  static async connect (port: number, host = '127.0.0.1'): Promise<LineClient> {
    const socket = net.connect(port, host)
    const client = new LineClient(socket)
    await once(socket, 'connect')
    return client
  }

  /** Writes raw text (add `\n` yourself: tests often need to split lines). */
  write (text: string | Buffer): boolean {
    return this.socket.write(text)
  }

  /** Writes one line. */
  send (line: string): boolean {
    return this.socket.write(line + '\n')
  }

  /** The next line not yet consumed by next()/waitFor(). */
  async next (timeoutMs = 5000): Promise<string> {
    return await this.waitFor(() => true, timeoutMs, 'the next line')
  }

  /** Consumes lines until one matches; earlier ones are skipped. */
  async waitFor (match: ((line: string) => boolean) | string | RegExp, timeoutMs = 5000, what?: string): Promise<string> {
    const test = typeof match === 'function' ? match : typeof match === 'string' ? (l: string) => l === match : (l: string) => match.test(l)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++] as string
        if (test(line)) return line
      }
      if (this.#closed) throw new Error(`connection closed while waiting for ${what ?? String(match)}; got ${JSON.stringify(this.lines.slice(-5))}`)
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error(`timed out waiting for ${what ?? String(match)}; last lines ${JSON.stringify(this.lines.slice(-5))}`)
      await new Promise<void>((resolve) => {
        const wake = (): void => { clearTimeout(timer); this.#waiters.delete(wake); resolve() }
        const timer = setTimeout(wake, remaining)
        this.#waiters.add(wake)
      })
    }
  }

  /** Collects exactly `count` further lines. */
  async take (count: number, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = []
    const deadline = Date.now() + timeoutMs
    while (out.length < count) out.push(await this.next(Math.max(1, deadline - Date.now())))
    return out
  }

  /** Ends the connection and waits until it is closed. */
  async close (): Promise<void> {
    if (!this.#closed) this.socket.end()
    const timer = setTimeout(() => this.socket.destroy(), 1000)
    await this.closed
    clearTimeout(timer)
  }

  #wake (): void {
    for (const wake of [...this.#waiters]) wake()
  }
}
