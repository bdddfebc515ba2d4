import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { ImportFileError, slices, type CsvVisitor } from './csv-file.js'

/**
 * Reading an uploaded XLSX workbook with exceljs's streaming reader (a row at a time, never the
 * whole workbook in memory): its first worksheet, the first row as the header. Each cell becomes
 * the text a CSV of it would hold, so both formats feed the same checks: numbers as written
 * (1234.5), booleans TRUE/FALSE, a time of day as 22:00:00, a date as 2025-03-14, a formula by its
 * result, rich text as its plain text.
 */

const pad = (n: number) => String(n).padStart(2, '0')

/** exceljs hands date cells over as the UTC instant of their serial number: the wall-clock reading is in UTC. */
function dateText(date: Date): string {
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  // Serial numbers below 1 are times of day without a date (day 0 is 1899-12-30 or -31).
  if (date.getUTCFullYear() < 1900) return time
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
  return time === '00:00:00' ? day : `${day}T${time}`
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (value instanceof Date) return dateText(value)
  if (typeof value === 'object') {
    const cell = value as { richText?: { text: string }[]; result?: unknown; formula?: string; text?: unknown; error?: string }
    if (cell.richText) return cell.richText.map((part) => part.text).join('')
    if ('result' in cell || 'formula' in cell) return cellText(cell.result)
    if ('text' in cell) return cellText(cell.text)
    if (cell.error) return cell.error
  }
  return String(value)
}

/** A ZIP archive's first bytes (an XLSX file is one). */
export const isZip = (start: Buffer) => start.length >= 4 && start.readUInt32LE(0) === 0x04034b50

/** One pass over the first worksheet; the same answers and refusals as scanCsvFile. */
export async function scanXlsxFile(source: string | Buffer, { maxRows }: { maxRows: number }, visitor: CsvVisitor): Promise<{ header: string[]; rows: number }> {
  let header: string[] | undefined
  let rows = 0
  const input = typeof source === 'string' ? source : Readable.from(slices(source))
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' })
  try {
    for await (const worksheet of reader) {
      for await (const row of worksheet) {
        // row.values is 1-based and sparse: cell A is [1].
        const values = (row.values as unknown[]).slice(1)
        const cells = Array.from({ length: Math.max(values.length, header?.length ?? 0) }, (_, i) => cellText(values[i]))
        if (cells.every((cell) => cell.trim() === '')) continue
        if (!header) {
          while (cells.length && cells[cells.length - 1].trim() === '') cells.pop()
          header = cells
          visitor.header?.(cells)
          continue
        }
        if (cells.length > header.length && cells.slice(header.length).some((cell) => cell.trim() !== '')) {
          throw new ImportFileError(`Row ${row.number} has values beyond the last column of the header (${header.length} columns): every value needs a column.`)
        }
        if (++rows > maxRows) throw new ImportFileError(`The file has more than ${maxRows.toLocaleString('en')} rows, the most one import takes.`)
        visitor.row(cells.slice(0, header.length), rows - 1)
      }
      break // the first worksheet is the data; others (notes, pivots) are not read
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error
    // exceljs's own errors (a broken archive, not a workbook) are about the file.
    if (error instanceof Error && !(error as NodeJS.ErrnoException).code?.startsWith?.('E')) {
      throw new ImportFileError(`The file is not a readable XLSX workbook: ${error.message}`)
    }
    throw error
  }
  if (!header) throw new ImportFileError('The file is empty: it needs a header row and at least one row of data.')
  if (!rows) throw new ImportFileError('The file has a header but no rows of data.')
  return { header, rows }
}
