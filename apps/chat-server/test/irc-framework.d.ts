// The part of irc-framework (no types of its own) the IRC tests use.
declare module 'irc-framework' {
  import { EventEmitter } from 'node:events'

  export interface ClientOptions {
    host: string
    port: number
    nick: string
    username?: string
    gecos?: string
    auto_reconnect?: boolean
    ping_interval?: number
    ping_timeout?: number
    enable_echomessage?: boolean
    /** IRC over TLS; irc-framework takes no CA, so a self-signed test certificate needs rejectUnauthorized: false. */
    tls?: boolean
    rejectUnauthorized?: boolean
    /** Sent as PASS before NICK/USER. */
    password?: string
  }

  export class Client extends EventEmitter {
    constructor (options?: Partial<ClientOptions>)
    user: { nick: string }
    network: { options: Record<string, unknown>, cap: { enabled: string[] } }
    connect (options?: ClientOptions): void
    say (target: string, message: string): void
    action (target: string, message: string): void
    changeNick (nick: string): void
    quit (message?: string): void
    raw (line: string): void
    connection: { end: () => void, transport?: { socket?: import('node:net').Socket } }
  }
}
