/**
 * Configuration from environment variables with matching `--flags`; a flag wins
 * over the variable, the variable over the default. Bad values stop the app at
 * start with a message that names the variable, never later with a NaN port.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ERR_CONFIG'
}

interface BaseSpec {
  /** Environment variable, e.g. `STATUS_PORT`. */
  env: string
  /** CLI flag without dashes, e.g. `port` for `--port 9670` or `--port=9670`. */
  flag?: string
  /** One line for `--help`. */
  help: string
}

export type OptionSpec =
  | (BaseSpec & { type: 'string', default: string })
  | (BaseSpec & { type: 'optional-string' })
  | (BaseSpec & { type: 'port', default: number })
  | (BaseSpec & { type: 'host', default: string })
  | (BaseSpec & { type: 'int', default: number, min?: number, max?: number })
  | (BaseSpec & { type: 'enum', default: string, values: readonly string[] })

type ValueOf<S extends OptionSpec> =
  S extends { type: 'optional-string' } ? string | undefined
    : S extends { type: 'string' | 'enum' | 'host' } ? string
      : number

export type ConfigValues<T extends Record<string, OptionSpec>> = { [K in keyof T]: ValueOf<T[K]> }

export interface ConfigSources {
  env?: NodeJS.ProcessEnv
  argv?: readonly string[]
}

function parseFlags (argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}; options look like --name value`)
    const eq = arg.indexOf('=')
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1))
    } else {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`option ${arg} needs a value`)
      flags.set(arg.slice(2), value)
      i++
    }
  }
  return flags
}

function parseInteger (raw: string, where: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${where} must be a whole number, got ${JSON.stringify(raw)}`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${where} must be between ${min} and ${max}, got ${value}`)
  return value
}

/**
 * A bind address: an IPv4 or IPv6 literal or a host name. Empty is refused
 * rather than read as "every interface", which is what Node would do with it.
 */
function parseHost (raw: string, where: string): string {
  const host = raw.trim()
  if (host === '') throw new ConfigError(`${where} is empty, which would bind every interface; set it to 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), or unset it`)
  if (!/^[A-Za-z0-9.:_%-]+$/.test(host) || host.length > 253) throw new ConfigError(`${where} must be an IP address or a host name such as 127.0.0.1, ::1 or 0.0.0.0, got ${JSON.stringify(raw)}`)
  return host
}

function parseOne (spec: OptionSpec, raw: string | undefined, where: string): unknown {
  switch (spec.type) {
    case 'optional-string':
      return raw === '' ? undefined : raw
    case 'string':
      return raw ?? spec.default
    case 'port':
      return raw === undefined ? spec.default : parseInteger(raw, where, 0, 65535)
    case 'host':
      return raw === undefined ? spec.default : parseHost(raw, where)
    case 'int':
      return raw === undefined ? spec.default : parseInteger(raw, where, spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER)
    case 'enum':
      if (raw === undefined) return spec.default
      if (!spec.values.includes(raw)) throw new ConfigError(`${where} must be one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`)
      return raw
  }
}

/** Reads every option of `specs`; throws ConfigError on an unknown flag or a bad value. */
export function readConfig<T extends Record<string, OptionSpec>> (specs: T, sources: ConfigSources = {}): ConfigValues<T> {
  const env = sources.env ?? process.env
  const flags = parseFlags(sources.argv ?? process.argv.slice(2))
  const known = new Set(Object.values(specs).map((s) => s.flag).filter(Boolean))
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new ConfigError(`unknown option --${name}; known: ${[...known].map((f) => `--${String(f)}`).join(', ')}`)
  }
  const values: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const fromFlag = spec.flag === undefined ? undefined : flags.get(spec.flag)
    const raw = fromFlag ?? env[spec.env]
    const where = fromFlag !== undefined ? `--${String(spec.flag)}` : spec.env
    values[key] = parseOne(spec, raw, where)
  }
  return values as ConfigValues<T>
}

/** The bind address every app takes: `HOST` / `--host`, loopback unless told otherwise. */
export const hostOption = { env: 'HOST', flag: 'host', type: 'host', default: '127.0.0.1', help: 'address to bind (every port of the app); 0.0.0.0 for every interface' } as const satisfies OptionSpec

/** pino's level for every app: `LOG_LEVEL` / `--log-level`. Validated like any option, so a typo is a one-line error. */
export const logLevelOption = { env: 'LOG_LEVEL', flag: 'log-level', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'log level (JSON lines on stdout); debug also prints stack traces of start-up errors' } as const satisfies OptionSpec

/**
 * `--help` (or `-h`) anywhere in argv: prints `summary` and every option, then
 * exits 0. Call it before anything else in a main, so asking for help never
 * starts a server or trips over a missing setting.
 */
export function exitOnHelp (summary: string, specs: Record<string, OptionSpec>, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return
  // Every app logs through LOG_LEVEL, so --help lists it even where the app's specs do not.
  const all = Object.values(specs).some((spec) => spec.env === 'LOG_LEVEL') ? specs : { ...specs, logLevel: logLevelOption }
  process.stdout.write(`${summary}\n\nEnvironment variables (and matching --flags):\n${describeConfig(all)}\n`)
  process.exit(0)
}

/** One line per option, for `--help` and the README. */
export function describeConfig (specs: Record<string, OptionSpec>): string {
  return Object.values(specs).map((spec) => {
    const flag = spec.flag === undefined ? '' : ` / --${spec.flag}`
    const def = 'default' in spec ? ` (default ${String(spec.default)})` : ''
    return `  ${spec.env}${flag}: ${spec.help}${def}`
  }).join('\n')
}
