import { createRequire } from 'node:module'
import { PassThrough, Writable } from 'node:stream'
import type { CellFormat, CsvColumn, TypedCell } from './csv-columns.js'

/**
 * An XLSX workbook written as its rows arrive: the worksheet's XML is produced here, a row at a
 * time, and deflated into the archive by archiver (the ZIP writer exceljs itself uses), so the
 * workbook is never whole in memory. exceljs's own WorkbookWriter builds a model object per cell
 * and ran at ~8 µs a cell here (400 s for 1,000,000 clients); this writes the same SpreadsheetML
 * directly. Cells are inline strings (no shared-strings table to hold until the end), numbers,
 * booleans (t="b") and dates (serial numbers with a date format). One worksheet: a bold header row
 * that stays in view (frozen), columns as wide as their header and first rows need, text columns
 * formatted as text (007 stays 007 when edited), amounts with 2 decimals. exceljs reads it in the
 * tests; LibreOffice and Gnumeric read it for the fixtures (test/fixtures/spreadsheets/).
 */

type Archive = NodeJS.ReadableStream & {
  append: (source: string | NodeJS.ReadableStream, data: { name: string }) => Archive
  finalize: () => Promise<void>
  pipe: <T extends NodeJS.WritableStream>(destination: T) => T
  on: (event: string, listener: (...args: any[]) => void) => Archive
}
const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip', options: { zlib: { level: number } }) => Archive

/** Style indexes of styles.xml's cellXfs, by cell format. */
const STYLE: Record<CellFormat | 'header', number> = { text: 1, integer: 2, amount: 3, timestamp: 4, boolean: 0, header: 5 }

const STYLES_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
  '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="6">' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '</cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>'

const packageParts = (sheetName: string): [string, string][] => [
  [
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
  ],
  [
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  ],
  [
    'xl/workbook.xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      `<sheets><sheet name="${escapeXml(sheetName.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  ],
  [
    'xl/_rels/workbook.xml.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  ],
  ['xl/styles.xml', STYLES_XML],
]

// Characters XML 1.0 cannot carry at all are dropped (a control character in a comment).
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g
function escapeXml(text: string) {
  return text.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A: 1, Z: 26, AA: 27… */
function columnLetters(index: number) {
  let n = index + 1
  let letters = ''
  while (n > 0) {
    const rest = (n - 1) % 26
    letters = String.fromCharCode(65 + rest) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}

/** Days since 1899-12-30, as spreadsheets count them (UTC wall clock). */
const serial = (date: Date) => date.getTime() / 86_400_000 + 25_569

function cellXml(ref: string, value: TypedCell, format: CellFormat): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return `<c r="${ref}" s="${STYLE[format]}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`
  if (typeof value === 'boolean') return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : `<c r="${ref}" s="${STYLE.timestamp}"><v>${serial(value)}</v></c>`
  return Number.isFinite(value) ? `<c r="${ref}" s="${STYLE[format]}"><v>${value}</v></c>` : ''
}

/** Rows looked at for the widths before the first is written (the columns go out first). */
const SAMPLE_ROWS = 200
const MIN_WIDTH = 6
const MAX_WIDTH = 60
/** Worksheet XML gathered before a write to the archive. */
const CHUNK_CHARS = 64 * 1024

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
 * still gets a proper error answer. Waits while the archive is full, so a slow download holds the query.
 */
export function xlsxWriter(columns: CsvColumn[], out: PassThrough, sheetName: string): Writable {
  const letters = columns.map((_, i) => columnLetters(i))
  const formats = columns.map((column) => column.format)
  let sample: TypedCell[][] | undefined = []
  let sheet: PassThrough | undefined
  let archive: Archive | undefined
  let rowNumber = 1
  let pending = ''

  const rowXml = (row: TypedCell[]) => {
    rowNumber += 1
    let xml = `<row r="${rowNumber}">`
    for (let i = 0; i < letters.length; i += 1) xml += cellXml(letters[i] + rowNumber, row[i], formats[i])
    return xml + '</row>'
  }
  /** Hands what is gathered to the archive; resolves when it may take more. */
  const flush = (force = false): Promise<void> | undefined => {
    if (!pending || (!force && pending.length < CHUNK_CHARS)) return undefined
    const more = sheet!.write(pending)
    pending = ''
    return more ? undefined : new Promise((resolve) => sheet!.once('drain', () => resolve()))
  }

  const start = () => {
    archive = archiver('zip', { zlib: { level: 1 } })
    archive.pipe(out)
    for (const [name, xml] of packageParts(sheetName)) archive.append(xml, { name })
    sheet = new PassThrough()
    archive.append(sheet, { name: 'xl/worksheets/sheet1.xml' })
    const widths = fittedWidths(columns, sample!)
    const cols = widths.map((width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"${formats[i] === 'text' ? ` style="${STYLE.text}"` : ''}/>`).join('')
    const header = columns.map((column, i) => `<c r="${letters[i]}1" s="${STYLE.header}" t="inlineStr"><is><t>${escapeXml(column.label)}</t></is></c>`).join('')
    pending =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
      `<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData><row r="1">${header}</row>`
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
      pending += '</sheetData></worksheet>'
      Promise.resolve(flush(true))
        .then(() => {
          sheet!.end()
          return archive!.finalize()
        })
        .then(() => done(), done)
    },
    destroy(error, done) {
      sheet?.destroy()
      done(error)
    },
  })
}
