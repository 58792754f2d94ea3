#!/usr/bin/env node
// The door-client CLI: argument parsing and process wiring only; the logic is in client/.
import { USAGE, parseDoorClientArgs, type DoorClientArgs } from './client/cli-args.js'
import { runDoorClient } from './client/run-door-client.js'

const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

let args: DoorClientArgs
try {
  args = parseDoorClientArgs(argv)
} catch (err) {
  process.stderr.write(`door-client: ${(err as Error).message}\n\n${USAGE}\n`)
  process.exit(2)
}

const client = runDoorClient({
  ...args,
  print: (line) => process.stdout.write(line + '\n'),
  printError: (line) => process.stderr.write(line + '\n')
})

const onSignal = (): void => {
  client.stop()
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  process.exitCode = 0
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
