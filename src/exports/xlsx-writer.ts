import { Writable, type PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import type { CellFormat, CsvColumn, TypedCell } from './csv-columns.js'

/**
 * An XLSX workbook written as its rows arrive, with exceljs's streaming WorkbookWriter: each row
 * is committed (turned into XML and deflated into the archive) at once, so the workbook is never
 * whole in memory. No shared strings (their table would hold every distinct text until the end).
 * One worksheet: a bold header row that stays in view (frozen), columns as wide as their header
 * and the first rows need, text columns formatted as text (so 007 stays 007 when edited),
 * amounts with 2 decimals, timestamps as dates.
 */

const NUMBER_FORMATS: Record<CellFormat, string | undefined> = {
  text: '@',
  integer: '0',
  amount: '0.00',
  boolean: undefined,
  timestamp: 'yyyy-mm-dd hh:mm:ss',
}

/** Rows looked at for the widths before the first is written (the columns go out first). */
const SAMPLE_ROWS = 200
const MIN_WIDTH = 6
const MAX_WIDTH = 60

const shownLength = (value: TypedCell, format: CellFormat) => {
  if (value === null) return 0
  if (value instanceof Date) return 19
  if (typeof value === 'boolean') return 5
  if (typeof value === 'number') return format === 'amount' ? value.toFixed(2).length : String(value).length
  return Math.max(...value.split('\n').map((line) => line.length))
}

function fittedWidths(columns: CsvColumn[], sample: TypedCell[][]) {
  return columns.map((column, i) => {
    const longest = Math.max(column.label.length, ...sample.map((row) => shownLength(row[i], column.format)))
    return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2))
  })
}

/**
 * A writable of typed rows (arrays in column order) that writes the workbook to `out`. Nothing
 * reaches `out` before the first row (or the end of an empty result): a query that fails at once
 * still gets a proper error answer. Waits while `out` is full, so a slow download holds the query.
 */
export function xlsxWriter(columns: CsvColumn[], out: PassThrough, sheetName: string): Writable {
  let sample: TypedCell[][] | undefined = []
  let workbook: ExcelJS.stream.xlsx.WorkbookWriter | undefined
  let worksheet: ExcelJS.Worksheet | undefined

  const start = () => {
    workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
    worksheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] })
    const widths = fittedWidths(columns, sample!)
    worksheet.columns = columns.map((column, i) => {
      const numFmt = NUMBER_FORMATS[column.format]
      return { header: column.label, key: column.attribute, width: widths[i], ...(numFmt && { style: { numFmt } }) }
    })
    const header = worksheet.getRow(1)
    header.font = { bold: true }
    header.commit()
    for (const row of sample!) worksheet.addRow(row).commit()
    sample = undefined
  }
  const drained = () => (out.writableNeedDrain ? new Promise<void>((resolve) => out.once('drain', () => resolve())) : undefined)

  return new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(row: TypedCell[], _encoding, done) {
      try {
        if (sample) {
          sample.push(row)
          if (sample.length >= SAMPLE_ROWS) start()
        } else worksheet!.addRow(row).commit()
      } catch (error) {
        return done(error as Error)
      }
      const wait = drained()
      if (wait) wait.then(() => done(), done)
      else done()
    },
    final(done) {
      if (sample) start()
      workbook!.commit().then(() => done(), done)
    },
  })
}
