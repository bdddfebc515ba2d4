import fs from 'node:fs'
import path from 'node:path'
import type { Measured } from './load.js'

export type Check = { label: string; target: string; value: string; met: boolean }

export type Row = {
  name: string
  app: Measured
  baseline?: Measured
  /** Matching rows (for list scenarios). */
  matches?: number
  checks: Check[]
}

/**
 * Issue #25's check of the list under someone's bulk work: its p99 against the same list idle on
 * the same server just before (by then the server has run the scenarios before it and the database
 * holds their writes, so only that measurement tells what the bulk work itself costs); the run's
 * first idle list (another server, an earlier state of the database) is given beside it.
 */
export function listUnderBulkWork(label: string, measured: Measured, idleHere: Measured, runIdle: Measured, extra = ''): Check {
  return {
    label,
    target: 'p99 ≤ 2× idle p99 (issue #25; the same server, idle just before)',
    value:
      `p99 ${measured.p99.toFixed(1)} ms vs ${idleHere.p99.toFixed(1)} ms idle just before (${(measured.p99 / idleHere.p99).toFixed(1)}×; ${extra}` +
      `the run's first idle list ${runIdle.p99.toFixed(1)} ms: ${(measured.p99 / runIdle.p99).toFixed(1)}×)`,
    met: measured.p99 <= 2 * idleHere.p99 && measured.bad === 0,
  }
}

const num = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const ms = (value: number) => (value >= 100 ? num(value) : num(value, 1))
const kb = (bytes: number) => (bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${Math.round(bytes)} B`)

export function tableRows(rows: Row[]) {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'bytes', 'baseline req/s', 'ratio', 'p99 vs baseline', 'target', 'met?', 'non-2xx/3xx', 'errors']
  const body = rows.map((row) => [
    row.name,
    num(row.app.rps, row.app.rps < 10 ? 1 : 0),
    ms(row.app.p50),
    ms(row.app.p99),
    kb(row.app.bytes),
    row.baseline ? num(row.baseline.rps, row.baseline.rps < 10 ? 1 : 0) : '–',
    row.baseline ? `${((row.app.rps / row.baseline.rps) * 100).toFixed(0)} %` : '–',
    row.baseline ? `${(row.app.p99 / row.baseline.p99).toFixed(1)}×` : '–',
    row.checks.map((check) => check.target).join('; ') || '–',
    row.checks.length ? row.checks.map((check) => (check.met ? 'yes' : 'NO')).join('; ') : '–',
    String(row.app.bad),
    String(row.app.errors + row.app.timeouts),
  ])
  return { header, body }
}

export function printTable(rows: Row[]) {
  const { header, body } = tableRows(rows)
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)))
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i >= 8 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'))
  for (const r of body) console.log(line(r))
}

export function markdownTable(header: string[], body: string[][], rightAligned: (i: number) => boolean = () => false) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (rightAligned(i) ? '---:' : '---')).join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
}

const FINDINGS_START = '<!-- findings: kept between runs, written by hand -->'
const FINDINGS_END = '<!-- /findings -->'
const START_TIMES_START = '<!-- start and test times: kept between runs, measured with npm run bench:start and npm test -->'
const START_TIMES_END = '<!-- /start and test times -->'

/** The text between two markers of an earlier docs/benchmarks.md ('' when absent), which a new run keeps. */
function keptBetween(file: string, startMarker: string, endMarker: string): { inner: string; whole: string } {
  if (!fs.existsSync(file)) return { inner: '', whole: '' }
  const text = fs.readFileSync(file, 'utf8')
  const start = text.indexOf(startMarker)
  const end = text.indexOf(endMarker)
  if (start < 0 || end <= start) return { inner: '', whole: '' }
  return { inner: text.slice(start + startMarker.length, end), whole: text.slice(start, end + endMarker.length) }
}

/** The hand-written findings of an earlier docs/benchmarks.md, which a new run keeps. */
export function keptFindings(file: string): string {
  return keptBetween(file, FINDINGS_START, FINDINGS_END).inner.trim()
}

/** The findings section: hand-written text between markers, carried over from run to run. */
export function findingsBlock(findings: string) {
  return [FINDINGS_START, findings || '_(none written yet)_', FINDINGS_END].join('\n')
}

/** The "Start and test times" section (markers included): measured separately (bench/start.ts), carried over by `npm run bench`. */
export function keptStartTimes(file: string): string {
  return keptBetween(file, START_TIMES_START, START_TIMES_END).whole
}

export function writeDoc(file: string, sections: string[]) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, sections.join('\n\n') + '\n')
}
