import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { ImportFileError, slices, VisitorError, type CsvVisitor } from './csv-file.js'

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

type SaxEvent = { eventType: 'opentag' | 'closetag' | 'text'; value: { name: string } | string }
const requireFromExcelJs = createRequire(import.meta.url)
const parseSax = requireFromExcelJs('exceljs/lib/utils/parse-sax.js') as (stream: AsyncIterable<unknown>) => AsyncIterable<SaxEvent[]>
const iterateStream = requireFromExcelJs('exceljs/lib/utils/iterate-stream.js') as (stream: unknown) => AsyncIterable<unknown>

/**
 * A part of the archive as text, decoded as a stream (exceljs decodes each chunk on its own, which
 * breaks a character whose bytes straddle two chunks) and without the indentation between tags:
 * exceljs adds any text inside a cell to its value, so an indented file (Gnumeric writes one)
 * would read "TRUE" as "TRUE\n  ".
 */
async function* xmlText(chunks: AsyncIterable<unknown>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8')
  const unindent = (text: string) => text.replace(/>\s*\n\s*(?=<|$)/g, '>')
  let carry = ''
  for await (const chunk of chunks) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true }))
    // Up to the last tag's start: the whitespace before it is only known to be indentation then.
    const cut = text.lastIndexOf('<')
    if (cut <= 0) {
      carry = text
      continue
    }
    carry = text.slice(cut)
    yield unindent(text.slice(0, cut))
  }
  const rest = carry + decoder.decode()
  if (rest) yield unindent(rest)
}

/**
 * exceljs's reader with its text handling mended (see xmlText): worksheets read through xmlText,
 * and shared strings as the text inside their <t> elements only, without phonetic runs (<rPh>).
 */
class WorkbookReader extends ExcelJS.stream.xlsx.WorkbookReader {
  declare sharedStrings: string[]

  *_parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<unknown> {
    const parent = ExcelJS.stream.xlsx.WorkbookReader.prototype as unknown as { _parseWorksheet: (this: unknown, iterator: unknown, sheetNo: string) => Generator<unknown> }
    yield* parent._parseWorksheet.call(this, xmlText(iterator), sheetNo)
  }

  async *_parseSharedStrings(entry: unknown): AsyncGenerator<never> {
    const strings: string[] = []
    this.sharedStrings = strings
    let text = ''
    let inText = false
    let phonetic = 0
    for await (const events of parseSax(xmlText(iterateStream(entry)))) {
      for (const { eventType, value } of events) {
        const name = typeof value === 'string' ? '' : value.name
        if (eventType === 'opentag') {
          if (name === 'si') text = ''
          else if (name === 't') inText = true
          else if (name === 'rPh') phonetic += 1
        } else if (eventType === 'text') {
          if (inText && !phonetic) text += value as string
        } else if (name === 't') inText = false
        else if (name === 'rPh') phonetic -= 1
        else if (name === 'si') strings.push(text)
      }
    }
  }
}

/** One pass over the first worksheet; the same answers and refusals as scanCsvFile. */
export async function scanXlsxFile(source: string | Buffer, { maxRows }: { maxRows: number }, visitor: CsvVisitor): Promise<{ header: string[]; rows: number }> {
  let header: string[] | undefined
  let rows = 0
  const input = typeof source === 'string' ? source : Readable.from(slices(source))
  // The visitor's own errors are told apart from exceljs's (which are about the file).
  const visit = <T>(work: () => T): T => {
    try {
      const result = work()
      if (result instanceof Promise) return result.catch((error) => Promise.reject(error instanceof ImportFileError ? error : new VisitorError(error))) as T
      return result
    } catch (error) {
      throw error instanceof ImportFileError ? error : new VisitorError(error)
    }
  }
  const reader = new WorkbookReader(input, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' })
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
          visit(() => visitor.header?.(cells))
          continue
        }
        if (cells.length > header.length && cells.slice(header.length).some((cell) => cell.trim() !== '')) {
          throw new ImportFileError(`Row ${row.number} has values beyond the last column of the header (${header.length} columns): every value needs a column.`)
        }
        if (++rows > maxRows) throw new ImportFileError(`The file has more than ${maxRows.toLocaleString('en')} rows, the most one import takes.`)
        const index = rows - 1
        await visit(() => visitor.row(cells.slice(0, header!.length), index))
      }
      break // the first worksheet is the data; others (notes, pivots) are not read
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error
    if (error instanceof VisitorError) throw error.reason
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
