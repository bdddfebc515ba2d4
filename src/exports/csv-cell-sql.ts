import type { FieldKind } from '../fields/kinds.js'
import { FORMULA_PREFIX, FORMULA_STARTS } from './spreadsheet-safe.js'

/**
 * A CSV cell as PostgreSQL computes it, for the export's COPY path (copy-csv.ts): the same
 * text csv-columns.ts writes for a row in JavaScript, character for character, so both paths make
 * the same file (test/export-copy.test.ts compares them). Each kind's SQL mirrors its `presented`
 * form there (pg's parsing plus the kind's `toPanel`), then neutralizeFormula, then "empty is
 * NULL" (COPY quotes an empty string as "", where csv-stringify writes nothing for both). A kind
 * missing here has no SQL form: an export with such a column writes its rows in JavaScript.
 *
 * Every expression runs once per row and column, so each does only what its values need: the
 * formula guard where a value can start with one of its characters, NULLIF where one can be empty.
 */

type CellSql = (column: string) => string

const quotedPrefix = `'${FORMULA_PREFIX.replaceAll("'", "''")}'`
const formulaCodes = FORMULA_STARTS.map((start) => start.codePointAt(0)).join(', ')

/** Text that may start like a formula or be empty (ascii() is the first character's code, 0 for ''). */
const guardedText: CellSql = (text) => `NULLIF(CASE WHEN ascii(${text}) IN (${formulaCodes}) THEN ${quotedPrefix} || ${text} ELSE ${text} END, '')`

/** A number: only a minus sign can start it, and it is never empty. */
const guardedNumber: CellSql = (column) => `CASE WHEN ${column} < 0 THEN ${quotedPrefix} || ${column}::text ELSE ${column}::text END`

const CELL_SQL: Partial<Record<FieldKind, CellSql>> = {
  string: guardedText,
  text: guardedText,
  enum: guardedText,
  email: guardedText,
  url: guardedText,
  phone: guardedText,
  country: guardedText,
  timezone: guardedText,
  currency: guardedText,
  // pg hands an int4 to JavaScript as a number and a numeric(14,2) as its text ('1234.50'): both
  // print as PostgreSQL's own text form.
  integer: guardedNumber,
  decimal: guardedNumber,
  reference: guardedNumber,
  // `true`/`false`, as asText writes them.
  boolean: (column) => `${column}::text`,
  // `toPanel`: HH:MM:SS → HH:MM.
  time: (column) => `left(${column}::text, 5)`,
  // `toPanel`: [1, 15] → `1, 15` (Array.join writes a null element as nothing; so does the third argument).
  dayList: (column) => guardedText(`array_to_string(${column}, ', ', '')`),
  // json has none: asText writes an object as JavaScript's String() does.
}

/** A kind's cell over a column, or undefined when it has no SQL form. */
export const kindCellSql = (kind: FieldKind): CellSql | undefined => CELL_SQL[kind]

/** The record's id. */
export const idCellSql: CellSql = guardedNumber

/** A timestamp as toISOString() writes it: UTC, milliseconds cut (not rounded), as pg's parsing does. Never starts like a formula. */
export const timestampCellSql: CellSql = (column) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * A reference as the referenced record's natural key (naturalKeyOf), cell and all: the referenced
 * table's keys are gathered once per export into one jsonb object (an InitPlan), which each row
 * looks its id up in. A subquery per row costs an index lookup for each row and reference, which
 * measured ~10 times slower. Fine for the lookup tables references point at (managers, products);
 * a reference to a table of millions would want a join instead.
 */
export const referenceCellSql = (key: { table: string; column: string; kind: FieldKind }, column: string): string | undefined => {
  const keyCell = kindCellSql(key.kind)
  return (
    keyCell &&
    `(SELECT jsonb_object_agg("referenced"."id", ${keyCell(`"referenced"."${key.column}"`)}) FROM "${key.table}" AS "referenced") ->> (${column})::text`
  )
}
