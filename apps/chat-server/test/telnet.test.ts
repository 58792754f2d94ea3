import net from 'node:net'
import { once } from 'node:events'
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { commandAvailable, waitUntil } from '@eventwire/testkit'
import { openedInTest, startServer, tcpJoin } from './helpers.js'

const opened = openedInTest()
const { clients } = opened
const tmuxSessions: string[] = []

// Registered after openedInTest's, so it runs first: the tmux sessions go before the clients and the server.
afterEach(() => {
  for (const name of tmuxSessions.splice(0)) {
    try { execFileSync('tmux', ['kill-session', '-t', name], { stdio: 'ignore' }) } catch {}
  }
})

/** A raw client that records every byte it receives, as telnet's side of the wire. */
async function rawClient (port: number): Promise<{ socket: net.Socket, bytes: () => Buffer }> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await once(socket, 'connect')
  return { socket, bytes: () => Buffer.concat(chunks) }
}

describe('telnet on the chat TCP port', () => {
  it('replays Debian telnet\'s bytes: "✓ ă" typed before binary mode reaches the room intact, Ctrl-C leaves cleanly', async () => {
    opened.started = await startServer()
    const watcher = await tcpJoin(opened.started.tcpPort, 'watcher', clients)
    const tel = await rawClient(opened.started.tcpPort)
    await waitUntil(() => tel.bytes().includes('Welcome'), 'the welcome line')
    tel.socket.write('/nick tel\r\n')
    await watcher.waitFor(/ is now known as tel$/)
    // What telnet sent for "✓ ă⏎": 0x9C as IAC BRK, 0x83 as IAC IP, each with IAC DO TIMING-MARK.
    tel.socket.write(Buffer.from('e2fff3fffd06', 'hex'))
    tel.socket.write(Buffer.from('9320c4fff4fffd060d0a', 'hex'))
    expect(await watcher.next()).toBe('<tel> ✓ ă')
    // Nothing of the negotiation reached anyone as text, and telnet got its answers.
    expect(opened.started.server.room.history().map((m) => m.text)).toEqual(['✓ ă'])
    await waitUntil(() => tel.bytes().includes(Buffer.from([255, 251, 6])), 'WILL TIMING-MARK')
    expect(tel.bytes().includes(Buffer.from([255, 253, 0]))).toBe(true) // DO BINARY, once telnet showed itself
    // Ctrl-C: IAC IP IAC DO TIMING-MARK. The user leaves as with /quit, and sees the goodbye.
    const before = tel.bytes().length
    tel.socket.write(Buffer.from('fff4fffd06', 'hex'))
    expect(await watcher.next()).toBe('* tel left (quit)')
    await once(tel.socket, 'close')
    const tail = tel.bytes().subarray(before)
    expect(tail.indexOf(Buffer.from([255, 251, 6]))).toBeLessThan(tail.indexOf(Buffer.from('* disconnected: quit')))
  })

  it('sends nc users no negotiation bytes at all', async () => {
    opened.started = await startServer()
    const nc = await rawClient(opened.started.tcpPort)
    nc.socket.write('/nick plain\nhello ✓\n/quit\n')
    await once(nc.socket, 'close')
    expect(nc.bytes().includes(255)).toBe(false)
  })

  it.skipIf(!commandAvailable('telnet') || !commandAvailable('tmux'))('works with Debian\'s real telnet binary (under tmux): UTF-8 both ways, and Ctrl-C', async () => {
    opened.started = await startServer()
    const watcher = await tcpJoin(opened.started.tcpPort, 'watcher', clients)
    const session = `ew-telnet-${process.pid}-${Date.now()}`
    tmuxSessions.push(session)
    // The pane outlives telnet (`; sleep`) so that what telnet printed last can still be read; afterEach kills it.
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '40', `telnet 127.0.0.1 ${opened.started.tcpPort}; sleep 30`])
    const pane = (): string => execFileSync('tmux', ['capture-pane', '-p', '-t', session]).toString()
    const type = (...keys: string[]): void => { execFileSync('tmux', ['send-keys', '-t', session, ...keys]) }
    await waitUntil(() => pane().includes('Welcome to eventwire chat'), 'telnet to show the welcome', 10_000)
    type('/nick tel', 'Enter')
    await watcher.waitFor(/ is now known as tel$/)
    type('✓ ă first', 'Enter')
    expect(await watcher.next()).toBe('<tel> ✓ ă first')
    type('✓ ă again', 'Enter')
    expect(await watcher.next()).toBe('<tel> ✓ ă again')
    watcher.send('hi tel ✓')
    await waitUntil(() => pane().includes('<watcher> hi tel ✓'), 'telnet to show the reply', 10_000)
    type('C-c')
    expect(await watcher.next()).toBe('* tel left (quit)')
    // telnet did not go deaf: it shows our goodbye after its Ctrl-C.
    await waitUntil(() => pane().includes('* disconnected: quit'), 'telnet to show the goodbye', 10_000)
  }, 30_000)
})
