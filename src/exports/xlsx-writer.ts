import { PassThrough, Writable } from 'node:stream'
import type { CellFormat, CsvColumn, TypedCell } from './csv-columns.js'
import { columnLetters, escapeXml, openWorkbook, xmlCarried, SAMPLE_ROWS, shownLength, STYLE, type Workbook } from './xlsx-package.js'

/**
 * An XLSX workbook written in Node as its typed rows arrive (the export's way when its rows come
 * from a cursor; on PostgreSQL, copy-xlsx.ts has the database write the same worksheet XML). The
 * worksheet's XML is produced here, a row at a time, and deflated into the archive, so the
 * workbook is never whole in memory. exceljs's own WorkbookWriter builds a model object per cell
 * and ran at ~8 µs a cell here (400 s for 1,000,000 clients); this writes the same SpreadsheetML
 * directly. Cells are inline strings (no shared-strings table to hold until the end), numbers,
 * booleans (t="b") and dates (serial numbers with a date format); text columns are formatted as
 * text (007 stays 007 when edited), amounts with 2 decimals. exceljs reads it in the tests;
 * LibreOffice and Gnumeric read it for the fixtures (test/fixtures/spreadsheets/).
 */

/** Days since 1899-12-30, as spreadsheets count them (UTC wall clock). */
const serial = (date: Date) => date.getTime() / 86_400_000 + 25_569

function cellXml(ref: string, value: TypedCell, format: CellFormat): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return `<c r="${ref}" s="${STYLE[format]}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`
  if (typeof value === 'boolean') return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : `<c r="${ref}" s="${STYLE.timestamp}"><v>${serial(value)}</v></c>`
  return Number.isFinite(value) ? `<c r="${ref}" s="${STYLE[format]}"><v>${value}</v></c>` : ''
}

/** Worksheet XML gathered before a write to the archive. */
const CHUNK_CHARS = 64 * 1024

const shownOf = (value: TypedCell, format: CellFormat) =>
  value === null ? 0 : value instanceof Date ? 19 : typeof value === 'boolean' ? 5 : shownLength(typeof value === 'string' ? xmlCarried(value) : String(value), format)

/**
 * A writable of typed rows (arrays in column order) that writes the workbook to `out`. Nothing
 * reaches `out` before the first row (or the end of an empty result): a query that fails at once
 * still gets a proper error answer. Waits while the archive is full, so a slow download holds the query.
 */
export function xlsxWriter(columns: CsvColumn[], out: PassThrough, sheetName: string): Writable {
  const letters = columns.map((_, i) => columnLetters(i))
  const formats = columns.map((column) => column.format)
  let sample: TypedCell[][] | undefined = []
  let workbook: Workbook | undefined
  let rowNumber = 1
  let pending = ''

  const rowXml = (row: TypedCell[]) => {
    rowNumber += 1
    let xml = `<row r="${rowNumber}">`
    for (let i = 0; i < letters.length; i += 1) xml += cellXml(letters[i] + rowNumber, row[i], formats[i])
    return xml + '</row>\n'
  }
  /** Hands what is gathered to the archive; resolves when it may take more. */
  const flush = (force = false): Promise<void> | undefined => {
    if (!pending || (!force && pending.length < CHUNK_CHARS)) return undefined
    const more = workbook!.sheet.write(pending)
    pending = ''
    return more ? undefined : new Promise((resolve) => workbook!.sheet.once('drain', () => resolve()))
  }

  const start = () => {
    const longest = columns.map((_, i) => Math.max(0, ...sample!.map((row) => shownOf(row[i], formats[i]))))
    workbook = openWorkbook(out, sheetName, columns, longest)
    for (const row of sample!) pending += rowXml(row)
    sample = undefined
  }

  return new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(row: TypedCell[], _encoding, done) {
      try {
        if (sample) {
          sample.push(row)
          if (sample.length < SAMPLE_ROWS) return done()
          start()
        } else pending += rowXml(row)
      } catch (error) {
        return done(error as Error)
      }
      const wait = flush()
      if (wait) wait.then(() => done(), done)
      else done()
    },
    final(done) {
      if (sample) start()
      Promise.resolve(flush(true))
        .then(() => workbook!.finish())
        .then(() => done(), done)
    },
    destroy(error, done) {
      workbook?.sheet.destroy()
      done(error)
    },
  })
}
