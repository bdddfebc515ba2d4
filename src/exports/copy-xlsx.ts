import { PassThrough, Writable } from 'node:stream'
import type { CsvColumn } from './csv-columns.js'
import { copyOut, type PooledConnection } from './copy-csv.js'
import { columnLetters, openWorkbook, SAMPLE_ROWS, shownLength, type Workbook } from './xlsx-package.js'

/**
 * An XLSX export's worksheet as PostgreSQL writes it: `COPY (<xlsxSelectSql>) TO STDOUT`, one
 * `<row>` element per line, its bytes deflated straight into the archive (Node never looks at a
 * row after the first few). FORMAT csv with a delimiter and a quote character XML cannot hold (the
 * SQL drops them from every text) and no line break inside a row (escaped as references) quotes
 * and escapes nothing: each line is the row's XML as computed. FORMAT text would double every
 * backslash and write a tab as `\t`.
 */

export const xlsxCopyStatement = (selectSql: string) => `COPY (${selectSql}) TO STDOUT WITH (FORMAT csv, HEADER false, DELIMITER E'\\x01', QUOTE E'\\x02')`

/**
 * The planner takes a row's XML for a short text (it cannot know its width) and would sort the
 * finished rows, all of them, rather than read them in the order's index as the CSV does: at
 * 1,000,000 clients EXPLAIN chose a sequential scan and a sort of ~2 GB of XML (to disk, and no
 * first byte before its end). Without sorts where an index gives the order, rows stream. An order
 * without an index still sorts.
 */
export const XLSX_COPY_SETTINGS: [string, string][] = [['enable_sort', 'off']]

const LF = 0x0a

/** The values' shown lengths, per column, in sheet rows' XML (for the widths). */
function longestIn(columns: CsvColumn[], xml: string): number[] {
  const index = new Map(columns.map((_, i) => [columnLetters(i), i]))
  const longest = columns.map(() => 0)
  const cell = /<c r="([A-Z]+)\d+"[^>]*><(?:is><t xml:space="preserve">([^<]*)<\/t><\/is|v>([^<]*)<\/v)><\/c>/g
  for (const [, letters, text, value] of xml.matchAll(cell)) {
    const i = index.get(letters)!
    const shown =
      text !== undefined
        ? shownLength(text.replace(/&#10;/g, '\n').replace(/&#13;/g, '\r').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'), 'text')
        : shownLength(value, columns[i].format)
    longest[i] = Math.max(longest[i], shown)
  }
  return longest
}

/**
 * The writable the COPY's bytes go to: it holds the first rows until it knows the widths (nothing
 * reaches `out` before then, so a query that fails at once still gets a proper error answer), then
 * passes every chunk on as it comes, waiting while the archive is full. `rows()` counts line ends.
 */
export function xlsxSheetWriter(columns: CsvColumn[], out: PassThrough, sheetName: string, zipLevel?: number): Writable & { rows: () => number } {
  let held: Buffer[] | undefined = []
  let workbook: Workbook | undefined
  let rows = 0

  const start = () => {
    const sample = Buffer.concat(held!)
    held = undefined
    workbook = openWorkbook(out, sheetName, columns, longestIn(columns, sample.toString('utf8')), zipLevel)
    return sample
  }
  const send = (chunk: Buffer, done: (error?: Error | null) => void) => {
    if (workbook!.sheet.write(chunk)) done()
    else workbook!.sheet.once('drain', () => done())
  }

  const writer = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      for (let at = chunk.indexOf(LF); at >= 0; at = chunk.indexOf(LF, at + 1)) rows += 1
      if (!held) return send(chunk, done)
      held.push(chunk)
      if (rows < SAMPLE_ROWS) return done()
      send(start(), done)
    },
    final(done) {
      const finish = () => void workbook!.finish().then(() => done(), done)
      if (held) send(start(), finish)
      else finish()
    },
    destroy(error, done) {
      workbook?.sheet.destroy()
      done(error)
    },
  })
  return Object.assign(writer, { rows: () => rows })
}

/** An XLSX export's file from COPY: its output, the writer, and when the connection is free again. */
export function copyXlsxFile(pooled: PooledConnection, selectSql: string, columns: CsvColumn[], sheetName: string) {
  const { copy, databaseDone } = copyOut(pooled, xlsxCopyStatement(selectSql))
  const output = new PassThrough()
  const sheet = xlsxSheetWriter(columns, output, sheetName)
  return { source: copy, stages: [sheet], output, databaseDone, rows: () => copy.rowCount || sheet.rows() }
}
