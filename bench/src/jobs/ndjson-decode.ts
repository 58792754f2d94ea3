import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { createInterface } from 'node:readline'
import { StringDecoder } from 'node:string_decoder'
import split2 from 'split2'
// @ts-expect-error ndjson ships no types
import ndjson from 'ndjson'
import { LineDecoder } from '@eventwire/protocol'
import { byHand, main, on, params, send } from './_ipc.js'

interface Params { file: string, contender: string, chunkBytes: number }

/** The same file, cut into the same 64 KiB chunks, for every contender. */
function chunksOf (buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, Math.min(buf.length, i + size)))
  return out
}

/** What every contender hands its values to: counts them and sums `seq`, so the same objects are checked, not just as many. */
class Tally {
  values = 0
  seqSum = 0
  readonly take = (v: { seq: number }): void => { this.values++; this.seqSum += v.seq }
}

async function viaTransform (chunks: Buffer[], t: Transform, tally: Tally): Promise<void> {
  t.on('data', tally.take)
  Readable.from(chunks).pipe(t)
  await once(t, 'end')
}

async function viaReadline (chunks: Buffer[], tally: Tally): Promise<void> {
  const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })
  rl.on('line', (line) => {
    if (line === '') return
    tally.take(JSON.parse(line))
  })
  await once(rl, 'close')
}

/**
 * The limit: the plainest Transform that does the same work for the same consumer, one string
 * decoder and an indexOf loop with no line limit and no error handling. A Transform because
 * LineDecoder is one: a loop handing values to a callback would skip the stream every
 * stream decoder pays for (push and 'data' per value), and measure easier work.
 */
class PlainLoop extends Transform {
  readonly #dec = new StringDecoder('utf8')
  #rest = ''

  constructor () {
    super({ readableObjectMode: true })
  }

  override _transform (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = this.#rest + this.#dec.write(chunk)
    let from = 0
    let lf: number
    while ((lf = text.indexOf('\n', from)) !== -1) {
      if (lf > from) this.push(JSON.parse(text.slice(from, lf)))
      from = lf + 1
    }
    this.#rest = text.slice(from)
    cb()
  }

  override _flush (cb: TransformCallback): void {
    const rest = this.#rest + this.#dec.end()
    if (rest !== '') this.push(JSON.parse(rest))
    cb()
  }
}

/** The ceiling for any decoder: JSON.parse alone over lines already split (splitting not timed). */
function parseOnly (lines: string[], tally: Tally): void {
  for (const line of lines) tally.take(JSON.parse(line))
}

async function decode (contender: string, chunks: Buffer[], lines: string[]): Promise<Tally> {
  const tally = new Tally()
  switch (contender) {
    case 'JSON.parse-only': parseOnly(lines, tally); break
    case 'LineDecoder': await viaTransform(chunks, new LineDecoder(), tally); break
    case 'split2': await viaTransform(chunks, split2(JSON.parse), tally); break
    case 'ndjson': await viaTransform(chunks, ndjson.parse(), tally); break
    case 'readline': await viaReadline(chunks, tally); break
    case 'plain-loop': await viaTransform(chunks, new PlainLoop(), tally); break
    default: throw new Error(`unknown contender ${contender}`)
  }
  return tally
}

/**
 * After a warm-up the job says 'ready'; each 'turn' then decodes the whole
 * input once, timed, so that the parent can interleave the contenders' turns;
 * 'report' gives the rate over every turn and what the consumer saw.
 */
main(async () => {
  const p = params<Params>()
  const buf = readFileSync(p.file)
  const chunks = chunksOf(buf, p.chunkBytes)
  // Warm the JIT on a prefix that ends on a line boundary, then time the full input.
  const warmEnd = buf.lastIndexOf(0x0a, Math.min(buf.length - 1, 4 * 1024 * 1024)) + 1
  const lines = p.contender === 'JSON.parse-only' ? buf.toString('utf8').split('\n').filter((l) => l !== '') : []
  await decode(p.contender, chunksOf(buf.subarray(0, warmEnd), p.chunkBytes), lines.slice(0, 40_000))
  let ns = 0
  let bytes = 0
  let seen = { values: 0, seqSum: 0 }
  const turn = async (): Promise<void> => {
    const t0 = process.hrtime.bigint()
    const { values, seqSum } = await decode(p.contender, chunks, lines)
    ns += Number(process.hrtime.bigint() - t0)
    bytes += buf.length
    seen = { values, seqSum }
  }
  const report = (): void => { send({ type: 'result', ...seen, ms: ns / 1e6, bytes }) }
  if (byHand()) {
    await turn()
    report()
    process.exit(0)
  }
  on('turn', async () => { await turn(); send({ type: 'turned' }) })
  on('report', report)
  send({ type: 'ready' })
})
