import { createRequire } from 'node:module'
import { PassThrough } from 'node:stream'
import type { CellFormat, CsvColumn } from './csv-columns.js'

/**
 * What every XLSX export shares, however its rows are made (xlsx-writer.ts in Node, copy-xlsx.ts by
 * PostgreSQL): the package around the one worksheet, its styles, and the worksheet's start (fitted
 * column widths, a bold header row that stays in view) and end. The archive is archiver's (the ZIP
 * writer exceljs itself uses), deflating the worksheet as it streams in.
 */

type Archive = NodeJS.ReadableStream & {
  append: (source: string | NodeJS.ReadableStream, data: { name: string }) => Archive
  finalize: () => Promise<void>
  pipe: <T extends NodeJS.WritableStream>(destination: T) => T
  on: (event: string, listener: (...args: any[]) => void) => Archive
}
const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip', options: { zlib: { level: number } }) => Archive

/** Style indexes of styles.xml's cellXfs, by cell format. */
export const STYLE: Record<CellFormat | 'header', number> = { text: 1, integer: 2, amount: 3, timestamp: 4, boolean: 0, header: 5 }

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

/**
 * Characters XML 1.0 cannot carry at all are dropped (a control character in a comment); the
 * sheet's SQL form (xlsx-cell-sql.ts) drops the same ones.
 */
export const INVALID_XML_CHARACTERS = [...Array.from({ length: 31 }, (_, i) => i + 1).filter((code) => ![0x09, 0x0a, 0x0d].includes(code)), 0xfffe, 0xffff].map((code) =>
  String.fromCharCode(code),
)
const INVALID_XML = new RegExp(`[\u0000${INVALID_XML_CHARACTERS.join('')}]`, 'g')

/**
 * Text as XML character data. A CR is written as a reference: a parser turns a literal CR (or CRLF)
 * into LF, and the stored value would not come back. LF is one too, so that a row of the sheet is
 * one line (xlsx-cell-sql.ts relies on it).
 */
/** The text a cell shows: without what XML cannot carry. */
export const xmlCarried = (text: string) => text.replace(INVALID_XML, '')

export function escapeXml(text: string) {
  return xmlCarried(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
}

/** A: 1, Z: 26, AA: 27… */
export function columnLetters(index: number) {
  let n = index + 1
  let letters = ''
  while (n > 0) {
    const rest = (n - 1) % 26
    letters = String.fromCharCode(65 + rest) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}

/** Rows looked at for the widths before the first is written (the columns go out first). */
export const SAMPLE_ROWS = 200
const MIN_WIDTH = 6
const MAX_WIDTH = 60

/**
 * Deflate level 1: at 100,000 clients (234 MB of worksheet XML) the file is 30.4 MB against 23.5 MB
 * at the default 6; the time was within the noise of a loaded machine there, where PostgreSQL's
 * side was the slower one (bench/export-copy.ts; docs/benchmarks.md). Deflating runs in libuv's
 * thread pool, beside the database's work: the cheaper level keeps it from becoming the limit.
 */
const ZIP_LEVEL = 1

/** Each column's width: its header's or its longest shown value's length (`longest`, from the first rows), within bounds. */
export const fittedWidths = (columns: CsvColumn[], longest: number[]) =>
  columns.map((column, i) => Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.max(column.label.length, longest[i] ?? 0) + 2)))

/** A value's length as a spreadsheet shows it, for the widths (the longest line of a text). */
export function shownLength(text: string, format: CellFormat): number {
  if (format === 'timestamp') return 19
  if (format === 'boolean') return 5
  if (format === 'amount') return Number(text).toFixed(2).length
  if (format === 'integer') return text.length
  let longest = 0
  for (const line of text.split('\n')) longest = Math.max(longest, line.length)
  return longest
}

export type Workbook = {
  /** The worksheet's rows go here (`<row>` elements; the start is written already). */
  sheet: PassThrough
  /** Ends the worksheet and the archive. */
  finish: () => Promise<void>
}

/** Starts the archive on `out`: every part but the worksheet's rows. */
export function openWorkbook(out: PassThrough, sheetName: string, columns: CsvColumn[], longest: number[], zipLevel = ZIP_LEVEL): Workbook {
  const archive = archiver('zip', { zlib: { level: zipLevel } })
  archive.pipe(out)
  for (const [name, xml] of packageParts(sheetName)) archive.append(xml, { name })
  const sheet = new PassThrough()
  archive.append(sheet, { name: 'xl/worksheets/sheet1.xml' })
  const letters = columns.map((_, i) => columnLetters(i))
  const cols = fittedWidths(columns, longest)
    .map((width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"${columns[i].format === 'text' ? ` style="${STYLE.text}"` : ''}/>`)
    .join('')
  const header = columns.map((column, i) => `<c r="${letters[i]}1" s="${STYLE.header}" t="inlineStr"><is><t>${escapeXml(column.label)}</t></is></c>`).join('')
  sheet.write(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
      `<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData><row r="1">${header}</row>\n`,
  )
  return {
    sheet,
    finish: () => {
      sheet.end('</sheetData></worksheet>')
      return archive.finalize()
    },
  }
}
