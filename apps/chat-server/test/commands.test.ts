import { describe, expect, it } from 'vitest'
import { COMMANDS, HELP_TEXT, parseLine } from '../src/index.js'
import { decodeClientMessage } from '../src/web/client-message.js'

// One example per row of the command table: the text a TCP user types, the JSON
// a browser sends, and the request both must become.
const EXAMPLES = {
  message: { line: 'hello there', json: { type: 'message', text: 'hello there' }, request: { type: 'message', text: 'hello there' } },
  nick: { line: '/nick bob', json: { type: 'nick', nick: 'bob' }, request: { type: 'nick', nick: 'bob' } },
  who: { line: '/who', json: { type: 'who' }, request: { type: 'who' } },
  action: { line: '/me waves', json: { type: 'action', text: 'waves' }, request: { type: 'action', text: 'waves' } },
  msg: { line: '/msg bob psst there', json: { type: 'msg', to: 'bob', text: 'psst there' }, request: { type: 'msg', to: 'bob', text: 'psst there' } },
  quit: { line: '/quit bye now', json: { type: 'quit', text: 'bye now' }, request: { type: 'quit', text: 'bye now' } },
  help: { line: '/help', json: { type: 'help' }, request: { type: 'help' } }
} satisfies Record<keyof typeof COMMANDS, unknown>

describe('the command table', () => {
  it('has an example here for every row, so a new command gets one', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(COMMANDS).sort())
  })

  it.each(Object.entries(EXAMPLES))('%s: the typed line and the JSON frame become the same request', (_type, { line, json, request }) => {
    expect(parseLine(line)).toEqual({ ok: true, request })
    expect(decodeClientMessage(JSON.stringify(json))).toEqual({ ok: true, request })
  })

  it('matches command words in any case, and /quit without a message', () => {
    expect(parseLine('/ME waves')).toEqual({ ok: true, request: { type: 'action', text: 'waves' } })
    expect(parseLine('/Quit')).toEqual({ ok: true, request: { type: 'quit' } })
    expect(decodeClientMessage('{"type":"quit"}')).toEqual({ ok: true, request: { type: 'quit' } })
  })

  it('generates /help from the table: one line per command, with its usage', () => {
    const lines = HELP_TEXT.split('\n')
    expect(lines[0]).toBe('Commands:')
    for (const spec of Object.values(COMMANDS)) {
      if (spec.word === undefined) continue
      expect(lines.filter((l) => l.startsWith(`  /${spec.word} `) || l === `  /${spec.word}`)).toEqual([`  ${(spec.usage as string).padEnd(18)}${spec.help as string}`])
    }
    expect(lines.filter((l) => l.startsWith('  /'))).toHaveLength(Object.values(COMMANDS).filter((c) => c.word !== undefined).length)
    expect(HELP_TEXT).toContain('  /msg NAME TEXT    private message to one person')
  })

  it('answers an unknown command with UNKNOWN_COMMAND and a missing argument with BAD_COMMAND and the usage', () => {
    expect(parseLine('/dance')).toEqual({ ok: false, code: 'UNKNOWN_COMMAND', text: 'unknown command /dance; type /help for the list' })
    expect(parseLine('/__proto__')).toMatchObject({ ok: false, code: 'UNKNOWN_COMMAND' })
    expect(parseLine('/')).toMatchObject({ ok: false, code: 'UNKNOWN_COMMAND' })
    for (const spec of Object.values(COMMANDS)) {
      if (spec.word === undefined || spec.fromText?.('') !== undefined) continue
      expect(parseLine(`/${spec.word}`)).toEqual({ ok: false, code: 'BAD_COMMAND', text: `usage: ${spec.usage as string}` })
    }
    expect(parseLine('//dance')).toEqual({ ok: true, request: { type: 'message', text: '/dance' } })
  })

  it('names every JSON type of the table when a frame names another', () => {
    const decoded = decodeClientMessage('{"type":"launch"}')
    expect(decoded).toEqual({ ok: false, text: `unknown type "launch"; known: ${Object.keys(COMMANDS).join(', ')}` })
    expect(decodeClientMessage('{"type":"__proto__"}')).toMatchObject({ ok: false })
    expect(decodeClientMessage('{"type":"msg","to":"bob"}')).toEqual({ ok: false, text: 'a msg needs string "to" and "text"' })
  })
})
