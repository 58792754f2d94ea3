import { ConfigError, type OptionSpec } from './config.js'

/** What a start-up failure tells the operator: one line, and the exit code (2: fix a setting; 1: anything else). */
export interface StartFailure {
  line: string
  exitCode: 1 | 2
}

interface ListenError extends Error {
  code?: string
  port?: number
  address?: string
}

/**
 * Turns a start-up error into one line that says what to change. A port that
 * is taken is named by its variable (`DOOR_WEB_PORT 8002 is in use; set
 * DOOR_WEB_PORT to a free port`) when `ports` (variable → value the app tried)
 * knows it; a bad setting is its ConfigError's message.
 */
export function explainStartError (name: string, err: unknown, ports: Record<string, number> = {}): StartFailure {
  if (err instanceof ConfigError) return { line: `${name}: ${err.message}`, exitCode: 2 }
  const e = err as ListenError
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    const variable = Object.entries(ports).find(([, port]) => port === e.port)?.[0]
    const what = e.code === 'EADDRINUSE' ? 'is in use' : 'needs privileges this process does not have'
    if (variable !== undefined) return { line: `${name}: ${variable} ${String(e.port)} ${what}; set ${variable} to a free port`, exitCode: 2 }
    return { line: `${name}: port ${String(e.port)} on ${e.address ?? '?'} ${what}; choose another port`, exitCode: 2 }
  }
  if (e?.code === 'EADDRNOTAVAIL' || e?.code === 'ENOTFOUND') {
    return { line: `${name}: cannot bind ${e.address ?? 'that address'} (${e.code}); set HOST to an address of this machine, e.g. 127.0.0.1`, exitCode: 2 }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { line: `${name} failed to start: ${message}`, exitCode: 1 }
}

/** The `ports` map for explainStartError from a config: every port-typed option's variable and value. */
export function portVariables (specs: Record<string, OptionSpec>, values: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.type === 'port' && typeof values[key] === 'number') out[spec.env] = values[key] as number
  }
  return out
}
