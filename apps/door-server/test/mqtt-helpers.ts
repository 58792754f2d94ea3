import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt'
import { startChild, type ChildHandle } from '@eventwire/testkit'

const run = promisify(execFile)

/** One message as a subscriber saw it. */
export interface Received {
  topic: string
  payload: string
  retain: boolean
}

/** A real mqtt.js subscriber that records everything it receives, in order. */
export class MqttWatcher {
  readonly client: MqttClient
  readonly messages: Received[] = []
  readonly #wakers = new Set<() => void>()

  private constructor (client: MqttClient) {
    this.client = client
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain })
      for (const wake of [...this.#wakers]) wake()
    })
    client.on('error', () => {}) // a broker stopped on purpose is not a test failure by itself
  }

  /** Connects (MQTT 3.1.1, like most tools) and subscribes; resolves after the SUBACK. */
  static async connect (url: string, filters: string[], options: IClientOptions = {}): Promise<MqttWatcher> {
    const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options })
    const watcher = new MqttWatcher(client)
    await client.subscribeAsync(filters, { qos: 1 })
    return watcher
  }

  /** The messages on `topic` so far. */
  on (topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic)
  }

  /** Resolves with the first message from index `from` on that matches; rejects after `timeoutMs`. */
  async waitFor (match: (m: Received) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<Received> {
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.messages.slice(from).find(match)
        if (hit !== undefined) finish(null, hit)
      }
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-8))}`)), timeoutMs)
      const finish = (err: Error | null, hit?: Received): void => {
        clearTimeout(timer)
        this.#wakers.delete(check)
        if (err) reject(err)
        else resolve(hit as Received)
      }
      this.#wakers.add(check)
      check()
    })
  }

  async close (): Promise<void> {
    await this.client.endAsync(true)
  }
}

/** `mosquitto_sub -v` (topic, a space, the payload per line) as a child whose lines a test can wait for. */
export function mosquittoSub (port: number, args: string[]): ChildHandle {
  return startChild('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-v', ...args])
}

/** One `mosquitto_pub` run; resolves when it has published and exited. */
export async function mosquittoPub (port: number, topic: string, message: string, extra: string[] = []): Promise<void> {
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', message, ...extra])
}
