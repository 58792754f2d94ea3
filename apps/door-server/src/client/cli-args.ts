export interface DoorClientArgs {
  host: string
  port: number
  seconds: number
}

export const USAGE = `usage: door-client HOST PORT SECONDS

Connects to a door-server, prints door events, and warns on stderr when the door
has been open for more than SECONDS. Reconnects by itself; Ctrl-C to stop.
example: door-client 127.0.0.1 8000 5`

/** Parses `HOST PORT SECONDS`; throws an Error whose message is meant for the user. */
export function parseDoorClientArgs (argv: readonly string[]): DoorClientArgs {
  if (argv.length !== 3) throw new Error(`expected 3 arguments, got ${argv.length}`)
  const [host, portText, secondsText] = argv as [string, string, string]
  if (host.trim() === '') throw new Error('HOST must not be empty')
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new Error(`PORT must be a whole number from 1 to 65535, got ${JSON.stringify(portText)}`)
  }
  // Fractions are allowed (0.5 s is handy when trying it out); the warning repeats the number as given.
  const seconds = Number(secondsText)
  if (secondsText.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 2_000_000) {
    throw new Error(`SECONDS must be a number of seconds >= 0, got ${JSON.stringify(secondsText)}`)
  }
  return { host, port: Number(portText), seconds }
}
