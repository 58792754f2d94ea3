#!/usr/bin/env node
// The door-client CLI: argument parsing and process wiring only; the logic is in client/.
import { readFileSync } from 'node:fs'
import { USAGE, parseDoorClientArgs, type DoorClientArgs } from './client/cli-args.js'
import { runDoorClient } from './client/run-door-client.js'

const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

let args: DoorClientArgs
let ca: Buffer | undefined
try {
  args = parseDoorClientArgs(argv, process.env)
  ca = args.tls?.caFile === undefined ? undefined : readCa(args.tls.caFile)
} catch (err) {
  process.stderr.write(`door-client: ${(err as Error).message}\n\n${USAGE}\n`)
  process.exit(2)
}

const onSignal = (): void => {
  client.stop()
  removeSignalHandlers()
  process.exitCode = 0
}
const removeSignalHandlers = (): void => {
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

const client = runDoorClient({
  host: args.host,
  port: args.port,
  seconds: args.seconds,
  token: args.token,
  tls: args.tls === undefined ? undefined : { ca },
  print: (line) => process.stdout.write(line + '\n'),
  printError: (line) => process.stderr.write(line + '\n'),
  // The client has stopped and holds no timer: the process ends by itself, with 1 to say it was turned away.
  onRefused: () => {
    removeSignalHandlers()
    process.exitCode = 1
  }
})

process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

/** The CA file read now, so a wrong path is a usage error (exit 2), not a failure at every reconnect. */
function readCa (path: string): Buffer {
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (err) {
    throw new Error(`CA file ${path} (--ca, DOOR_TLS_CA_FILE) cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass a PEM CA certificate file`)
  }
  if (!pem.includes('-----BEGIN ')) throw new Error(`CA file ${path} (--ca, DOOR_TLS_CA_FILE) is not PEM (no -----BEGIN line); pass a PEM CA certificate file`)
  return pem
}
