export interface DoorClientArgs {
  host: string
  port: number
  seconds: number
  /** Connect over TLS; `caFile`: a PEM CA to trust besides the system's (a self-signed server certificate). */
  tls?: { caFile?: string }
  /** Sent as `["auth", token]` first on every connection. */
  token?: string
}

export const USAGE = `usage: door-client HOST PORT SECONDS

Connects to a door-server, prints door events, and warns on stderr when the door
has been open for more than SECONDS. Reconnects by itself; Ctrl-C to stop.

options (before or after the arguments):
  --tls            connect over TLS (the server runs with TLS_CERT_FILE/TLS_KEY_FILE); env DOOR_TLS=true
  --ca FILE        trust this PEM CA certificate (e.g. the server's self-signed one); implies --tls;
                   env DOOR_TLS_CA_FILE
  --token TOKEN    the server's DOOR_CLIENT_TOKEN, sent first as ["auth", TOKEN]; env DOOR_CLIENT_TOKEN
                   (prefer the variable: other users can see flags in ps)

A refusal from the server (wrong token, plain text on a TLS port) is printed and
ends the client with exit code 1: retrying would be refused again.
example: door-client 127.0.0.1 8000 5
         DOOR_CLIENT_TOKEN=s3cret door-client --ca cert.pem localhost 8000 5`

/** The flags that take a value, with `--flag value` or `--flag=value`. */
const VALUE_FLAGS = new Set(['ca', 'token'])

/**
 * Parses `[flags] HOST PORT SECONDS` (flags anywhere) over the DOOR_TLS,
 * DOOR_TLS_CA_FILE and DOOR_CLIENT_TOKEN variables; a flag wins over its
 * variable. Throws an Error whose message is meant for the user.
 */
export function parseDoorClientArgs (argv: readonly string[], env: NodeJS.ProcessEnv = {}): DoorClientArgs {
  const flags = new Map<string, string | true>()
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    if (name === 'tls' && eq === -1) {
      flags.set(name, true)
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1)
      if (value === undefined || value === '') throw new Error(`--${name} needs a value`)
      flags.set(name, value)
    } else {
      throw new Error(`unknown option ${JSON.stringify(arg.slice(0, eq === -1 ? undefined : eq))}`)
    }
  }
  const args = parsePositional(positional)
  const caFile = valueOf(flags.get('ca')) ?? nonEmpty(env.DOOR_TLS_CA_FILE)
  if (flags.get('tls') === true || caFile !== undefined || tlsFromEnv(env.DOOR_TLS)) args.tls = caFile === undefined ? {} : { caFile }
  const token = valueOf(flags.get('token')) ?? nonEmpty(env.DOOR_CLIENT_TOKEN)
  if (token !== undefined) args.token = token
  return args
}

function parsePositional (argv: readonly string[]): DoorClientArgs {
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

function tlsFromEnv (raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  throw new Error(`DOOR_TLS must be true or false, got ${JSON.stringify(raw)}`)
}

function valueOf (flag: string | true | undefined): string | undefined {
  return typeof flag === 'string' ? flag : undefined
}

function nonEmpty (raw: string | undefined): string | undefined {
  return raw === undefined || raw === '' ? undefined : raw
}
