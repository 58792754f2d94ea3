import { fmt } from './rows.js'
import type { Row } from './types.js'

/** The console table: one block per row, contenders with median and range, then ratios and targets. */
export function formatRow (row: Row): string {
  const lines: string[] = []
  lines.push(`\n== ${row.name}: ${row.title} [${row.unit}, ${row.better} is better, ${row.rounds} rounds]`)
  if (!row.available) {
    lines.push(`   not available: ${row.reason ?? 'unknown reason'}`)
    return lines.join('\n')
  }
  const w = Math.max(...row.contenders.map((c) => c.id.length), 8)
  for (const c of row.contenders) {
    lines.push(`   ${c.id.padEnd(w)}  ${c.role.padEnd(5)}  median ${fmt(c.median).padStart(10)}   min–max ${fmt(c.min)}–${fmt(c.max)}`)
  }
  for (const r of row.ratios) {
    lines.push(`   ratio ${r.pair}: ${fmt(r.median)}× (per round ${r.perRound.map(fmt).join(', ')})`)
  }
  for (const t of row.targets) {
    lines.push(`   target ${t.text}: ${t.met === null ? 'UNKNOWN' : t.met ? 'MET' : 'MISSED'} (${t.detail})`)
  }
  for (const n of row.notes) lines.push(`   note: ${n}`)
  return lines.join('\n')
}
