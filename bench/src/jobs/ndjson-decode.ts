import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { Readable, type Transform } from 'node:stream'
import { createInterface } from 'node:readline'
import { StringDecoder } from 'node:string_decoder'
import split2 from 'split2'
// @ts-expect-error ndjson ships no types
import ndjson from 'ndjson'
import { LineDecoder } from '@eventwire/protocol'
import { main, params, send } from './_ipc.js'

interface Params { file: string, contender: string, chunkBytes: number }

/** The same file, cut into the same 64 KiB chunks, for every contender. */
function chunksOf (buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, Math.min(buf.length, i + size)))
  return out
}

async function viaTransform (chunks: Buffer[], t: Transform): Promise<number> {
  let n = 0
  t.on('data', () => { n++ })
  Readable.from(chunks).pipe(t)
  await once(t, 'end')
  return n
}

async function viaReadline (chunks: Buffer[]): Promise<number> {
  let n = 0
  const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })
  rl.on('line', (line) => {
    if (line === '') return
    JSON.parse(line)
    n++
  })
  await once(rl, 'close')
  return n
}

/** The limit: no streams at all, one string decoder and an indexOf loop. */
function plainLoop (chunks: Buffer[]): number {
  const dec = new StringDecoder('utf8')
  let rest = ''
  let n = 0
  for (const c of chunks) {
    const text = rest + dec.write(c)
    let from = 0
    let lf: number
    while ((lf = text.indexOf('\n', from)) !== -1) {
      if (lf > from) { JSON.parse(text.slice(from, lf)); n++ }
      from = lf + 1
    }
    rest = text.slice(from)
  }
  rest += dec.end()
  if (rest !== '') { JSON.parse(rest); n++ }
  return n
}

/** The ceiling for any decoder: JSON.parse alone over lines already split (splitting not timed). */
function parseOnly (lines: string[]): number {
  let n = 0
  for (const line of lines) { JSON.parse(line); n++ }
  return n
}

async function decode (contender: string, chunks: Buffer[], lines: string[]): Promise<number> {
  switch (contender) {
    case 'JSON.parse-only': return parseOnly(lines)
    case 'LineDecoder': return await viaTransform(chunks, new LineDecoder())
    case 'split2': return await viaTransform(chunks, split2(JSON.parse))
    case 'ndjson': return await viaTransform(chunks, ndjson.parse())
    case 'readline': return await viaReadline(chunks)
    case 'plain-loop': return plainLoop(chunks)
    default: throw new Error(`unknown contender ${contender}`)
  }
}

main(async () => {
  const p = params<Params>()
  const buf = readFileSync(p.file)
  const chunks = chunksOf(buf, p.chunkBytes)
  // Warm the JIT on a prefix that ends on a line boundary, then time the full input.
  const warmEnd = buf.lastIndexOf(0x0a, Math.min(buf.length - 1, 4 * 1024 * 1024)) + 1
  const lines = p.contender === 'JSON.parse-only' ? buf.toString('utf8').split('\n').filter((l) => l !== '') : []
  await decode(p.contender, chunksOf(buf.subarray(0, warmEnd), p.chunkBytes), lines.slice(0, 40_000))
  const t0 = process.hrtime.bigint()
  const values = await decode(p.contender, chunks, lines)
  const ns = Number(process.hrtime.bigint() - t0)
  send({ type: 'result', values, ms: ns / 1e6, bytes: buf.length })
  process.exit(0)
})
