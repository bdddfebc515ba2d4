import type { FieldKind } from '../fields/kinds.js'
import type { AppResource, Sort } from '../panel/adapter/app-resource.js'
import type { WhereOptions } from 'sequelize'
import type { CellFormat, CsvColumn } from './csv-columns.js'
import { columnLetters, INVALID_XML_CHARACTERS, STYLE } from './xlsx-package.js'

/**
 * The XLSX export's worksheet rows as PostgreSQL writes them (copy-xlsx.ts): each row's
 * `<row>…</row>` element computed in the SELECT, cell by cell, the same XML xlsx-writer.ts writes
 * in Node for the same typed values (test/export-copy.test.ts compares the two workbooks). A
 * column's value (csv-columns.ts `xlsxSql`) is the CSV's text without the formula guard (a text
 * cell never runs), escaped for XML, or the stored number, boolean or timestamp. A kind missing
 * here has no SQL form: such an export writes its rows in Node.
 */

type ValueSql = (column: string) => string

/** A kind's value as text, as `presented` (csv-columns.ts) writes it. */
const TEXT_SQL: Partial<Record<FieldKind, ValueSql>> = {
  string: (column) => column,
  text: (column) => column,
  enum: (column) => column,
  email: (column) => column,
  url: (column) => column,
  phone: (column) => column,
  country: (column) => column,
  timezone: (column) => column,
  currency: (column) => column,
  integer: (column) => `${column}::text`,
  decimal: (column) => `${column}::text`,
  reference: (column) => `${column}::text`,
  boolean: (column) => `${column}::text`,
  time: (column) => `left(${column}::text, 5)`,
  dayList: (column) => `array_to_string(${column}, ', ', '')`,
}

/** Kinds whose text is digits, colons, commas and spaces only: nothing to escape. */
const PLAIN_TEXT = new Set<FieldKind>(['integer', 'decimal', 'reference', 'boolean', 'time', 'dayList'])

const unicodeEscapes = (characters: string[]) => characters.map((character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')

/**
 * escapeXml (xlsx-package.ts) in SQL, only where a value has something to escape: one regular
 * expression test per cell is cheaper than the six functions (translate alone measured ~45 % of
 * the whole SELECT at 100,000 clients; guarded like this, the SELECT took half the time).
 */
const invalidCharacters = unicodeEscapes(INVALID_XML_CHARACTERS)
const escapedSql = (text: string) =>
  `CASE WHEN ${text} ~ E'[&<>\\r\\n${invalidCharacters}]' THEN ` +
  `replace(replace(replace(replace(replace(translate(${text}, E'${invalidCharacters}', ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), E'\\r', '&#13;'), E'\\n', '&#10;') ` +
  `ELSE ${text} END`

/** A text as its cell holds it: escaped, NULL (no cell) when empty. */
const textValueSql = (kind: FieldKind, text: string) => `NULLIF(${PLAIN_TEXT.has(kind) ? text : escapedSql(text)}, '')`

/** A value's SQL over a stored column (NULL for no cell), or undefined when the kind has no SQL form. */
export function xlsxValueSql(kind: FieldKind, format: CellFormat): ValueSql | undefined {
  if (format !== 'text') return (column) => column
  const text = TEXT_SQL[kind]
  return text && ((column) => textValueSql(kind, text(column)))
}

/**
 * A reference's typed value: the referenced record's natural key, gathered once per export into a
 * jsonb object that each row looks its id up in (as the CSV's referenceCellSql does).
 */
export function referenceValueSql(key: { table: string; column: string; kind: FieldKind }, format: CellFormat, column: string): string | undefined {
  const text = TEXT_SQL[key.kind]
  if (!text) return undefined
  const looked = `(SELECT jsonb_object_agg("referenced"."id", ${text(`"referenced"."${key.column}"`)}) FROM "${key.table}" AS "referenced") ->> (${column})::text`
  if (format === 'text') return textValueSql(key.kind, looked)
  return format === 'boolean' ? `(${looked})::boolean` : `(${looked})::numeric`
}

/** One cell's XML (NULL for no cell): `value` its value (escaped), `row` its row number as text. */
function cellXmlSql(column: CsvColumn, letter: string, value: string, row: string): string {
  const ref = `'<c r="${letter}' || ${row} || '"`
  switch (column.format) {
    case 'text':
      return `${ref} s="${STYLE.text}" t="inlineStr"><is><t xml:space="preserve">' || ${value} || '</t></is></c>'`
    case 'boolean':
      return `CASE ${value} WHEN true THEN ${ref} t="b"><v>1</v></c>' WHEN false THEN ${ref} t="b"><v>0</v></c>' END`
    // Days since 1899-12-30 (as xlsx-writer.ts's serial: whole milliseconds, the same float arithmetic).
    case 'timestamp':
      return `${ref} s="${STYLE.timestamp}"><v>' || (floor(extract(epoch FROM ${value}) * 1000)::float8 / 86400000 + 25569)::text || '</v></c>'`
    // An amount as JavaScript prints the number (1234.5, not numeric's 1234.50): both shortest round trips.
    case 'amount':
      return `${ref} s="${STYLE.amount}"><v>' || ${value}::float8::text || '</v></c>'`
    default:
      return `${ref} s="${STYLE[column.format]}"><v>' || ${value}::text || '</v></c>'`
  }
}

/**
 * Where a cell's row number goes, until the row is numbered: a character no value can hold (every
 * text drops it, escapedSql), so one replace() puts the number in.
 */
const ROW_NUMBER_MARK = `E'\\x01'`

/**
 * The SELECT of the worksheet's rows, one text column each, in the list's order: row numbers
 * from 2 (the header is row 1), counted over the sorted rows. Each row's cells are computed below
 * the numbering, with a mark for the row number: there PostgreSQL computes them in its parallel
 * workers, as it does the CSV's cells, where the row_number() window above them runs in one
 * process only (measured: the cells computed above it took 6 times the CSV's time). Undefined
 * when a column has no SQL form.
 */
export function xlsxSelectSql(resource: AppResource, columns: CsvColumn[], where: WhereOptions, sort: Sort): string | undefined {
  if (!columns.every((column) => column.xlsxSql)) return undefined
  const cells = columns.map((column, i) => `COALESCE(${cellXmlSql(column, columnLetters(i), `(${column.xlsxSql!()})`, ROW_NUMBER_MARK)}, '')`).join(' || ')
  const sorted = resource.selectAllSql(where, sort, [], new Map([['cells', cells]]))
  return (
    `SELECT '<row r="' || "numbered"."n" || '">' || replace("numbered"."cells", ${ROW_NUMBER_MARK}, "numbered"."n") || '</row>' ` +
    `FROM (SELECT (row_number() OVER () + 1)::text AS "n", "sorted"."cells" FROM (${sorted}) AS "sorted") AS "numbered"`
  )
}
