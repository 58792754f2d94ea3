export interface Args {
  quick: boolean
  only: string[]
  rounds: number | null
  list: boolean
}

/** `--quick`, `--only name[,name]` (repeatable), `--rounds N`, `--list`. A bare `--` (from `pnpm bench -- --quick`) is ignored. */
export function parseArgs (argv: readonly string[]): Args {
  const args: Args = { quick: false, only: [], rounds: null, list: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') continue
    else if (a === '--quick') args.quick = true
    else if (a === '--list') args.list = true
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]
      if (!v) throw new Error('--only needs a benchmark name (see --list)')
      args.only.push(...v.split(','))
    } else if (a === '--rounds' || a.startsWith('--rounds=')) {
      const v = Number(a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i])
      if (!Number.isInteger(v) || v < 1 || v > 50) throw new Error('--rounds needs an integer 1..50')
      args.rounds = v
    } else throw new Error(`unknown argument ${a}; use --quick, --only <name>, --rounds <n>, --list`)
  }
  return args
}
