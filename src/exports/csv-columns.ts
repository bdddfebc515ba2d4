import type { AppResource } from '../panel/adapter/app-resource.js'
import { RECORD_LABELS } from '../panel/panel-fields.js'
import { kinds, type FieldDef } from '../fields/kinds.js'
import { columnName, fieldsOf, type ResourceDefinition } from '../fields/model.js'
import { definitions } from '../models/index.js'
import { idCellSql, kindCellSql, referenceCellSql, timestampCellSql } from './csv-cell-sql.js'
import { neutralizeFormula } from './spreadsheet-safe.js'
import { referenceValueSql, xlsxValueSql } from './xlsx-cell-sql.js'

/**
 * The columns of a resource's CSV export, all derived from its field definitions: every field a
 * user may see (not the write-only ones, not the hash), in form order, headed by its label, then
 * the record's ID and timestamps. Values are written as a person reads them and the import reads
 * them back: the stored codes (currency `EUR`, zone `Europe/Berlin`, enum values), `22:00`,
 * `1, 15`, `true`/`false`, decimals with a dot, timestamps in ISO 8601, and a reference as the
 * referenced record's natural key (see naturalKeyOf). Every cell is made spreadsheet-safe. The
 * same columns typed for an XLSX workbook (`typed`, `format`): see xlsx-writer.ts.
 */

/** What an XLSX cell holds: text (never a formula), a number, a boolean or a date. */
export type TypedCell = string | number | boolean | Date | null

/** How an XLSX cell is shown: text stays text when edited (007 stays 007), amounts with 2 decimals. */
export type CellFormat = 'text' | 'integer' | 'amount' | 'boolean' | 'timestamp'

export type CsvColumn = {
  attribute: string
  label: string
  /** The CSV cell: text, spreadsheet-safe. */
  cell: (row: Record<string, unknown>) => string
  /** The XLSX cell, typed as a spreadsheet user expects. */
  typed: (row: Record<string, unknown>) => TypedCell
  format: CellFormat
  /**
   * The CSV cell computed by PostgreSQL (NULL for an empty one), for COPY; undefined when its kind
   * has no SQL form (csv-cell-sql.ts). Built when asked: it names the model's columns.
   */
  sql?: () => string
  /** The XLSX cell's value computed by PostgreSQL, for COPY (xlsx-cell-sql.ts); undefined when its kind has no SQL form. */
  xlsxSql?: () => string
}

export type CsvColumns = {
  columns: CsvColumn[]
  /** Stored attributes the SELECT reads. */
  attributes: string[]
  /** Computed columns the SELECT reads besides (alias → SQL). */
  computed: Map<string, string>
}

/**
 * The field that names a record of another resource in a file: its first unique field (a Manager
 * by e-mail, a Product by code). Unique, so the import finds the same record again.
 */
export function naturalKeyOf(resourceName: string): { attribute: string; def: FieldDef; table: string } | undefined {
  const definition = definitions[resourceName as keyof typeof definitions] as ResourceDefinition | undefined
  const found = definition && fieldsOf(definition).find(([, def]) => def.unique === true || def.unique === 'caseInsensitive')
  return found && { attribute: found[0], def: found[1], table: definition.table }
}

const asText = (value: unknown): string => {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.join(', ')
  return String(value)
}

/** A stored value as its cell, by its kind's panel presentation (e.g. `22:00:00` → `22:00`, [1, 15] → `1, 15`). */
export const presented = (def: FieldDef) => {
  const toPanel = kinds[def.kind].toPanel
  return (value: unknown) => asText(toPanel && value !== null && value !== undefined ? toPanel(value) : value)
}

const timestamp = (value: unknown) => (value === null || value === undefined || value === '' ? '' : new Date(value as string).toISOString())

const isEmpty = (value: unknown) => value === null || value === undefined || value === ''

/**
 * The typed cell of a stored value: whole numbers and amounts as numbers, yes/no as booleans,
 * timestamps as dates; everything else — codes, logins, phones, contract numbers, times — as the
 * CSV's text, so a spreadsheet never reinterprets it (no formula guard: a text cell never runs).
 */
function typedCell(def: FieldDef | undefined, text: (value: unknown) => string): { typed: (value: unknown) => TypedCell; format: CellFormat } {
  const kind = def?.kind
  if (kind === 'integer') return { typed: (value) => (isEmpty(value) ? null : Number(value)), format: 'integer' }
  if (kind === 'decimal') return { typed: (value) => (isEmpty(value) ? null : Number(value)), format: 'amount' }
  if (kind === 'boolean') return { typed: (value) => (isEmpty(value) ? null : Boolean(value)), format: 'boolean' }
  // An empty text (an empty list of days) is no cell, as an empty value is.
  return { typed: (value) => (isEmpty(value) ? null : text(value) || null), format: 'text' }
}

export function csvColumns(definition: ResourceDefinition, resource: AppResource): CsvColumns {
  const columns: CsvColumn[] = []
  const attributes: string[] = []
  const computed = new Map<string, string>()
  for (const [attribute, def] of fieldsOf(definition)) {
    if (kinds[def.kind].virtual) continue
    const key = def.references && naturalKeyOf(def.references.resource)
    if (key) {
      const alias = `__key_${attribute}`
      computed.set(
        alias,
        `(SELECT "referenced"."${columnName(key.attribute)}" FROM "${key.table}" AS "referenced" WHERE "referenced"."id" = ${resource.columnSql(attribute)})`,
      )
      const cell = presented(key.def)
      const { typed, format } = typedCell(key.def, cell)
      const keyKind = { table: key.table, column: columnName(key.attribute), kind: key.def.kind }
      columns.push({
        attribute,
        label: def.label,
        cell: (row) => neutralizeFormula(cell(row[alias])),
        typed: (row) => typed(row[alias]),
        format,
        sql: kindCellSql(key.def.kind) && (() => referenceCellSql(keyKind, resource.columnSql(attribute))!),
        xlsxSql: xlsxValueSql(key.def.kind, format) && (() => referenceValueSql(keyKind, format, resource.columnSql(attribute))!),
      })
    } else {
      attributes.push(attribute)
      const cell = presented(def)
      const { typed, format } = typedCell(def, cell)
      const cellSql = kindCellSql(def.kind)
      const valueSql = xlsxValueSql(def.kind, format)
      columns.push({
        attribute,
        label: def.label,
        cell: (row) => neutralizeFormula(cell(row[attribute])),
        typed: (row) => typed(row[attribute]),
        format,
        sql: cellSql && (() => cellSql(resource.columnSql(attribute))),
        xlsxSql: valueSql && (() => valueSql(resource.columnSql(attribute))),
      })
    }
  }
  const stored = resource.storedReadable()
  for (const [attribute, label] of Object.entries(RECORD_LABELS)) {
    if (!stored.includes(attribute)) continue
    attributes.push(attribute)
    const cell = attribute === 'id' ? asText : timestamp
    const typed = attribute === 'id' ? (value: unknown) => Number(value) : (value: unknown) => (isEmpty(value) ? null : new Date(value as string))
    const cellSql = attribute === 'id' ? idCellSql : timestampCellSql
    columns.push({
      attribute,
      label,
      cell: (row) => neutralizeFormula(cell(row[attribute])),
      typed: (row) => typed(row[attribute]),
      format: attribute === 'id' ? 'integer' : 'timestamp',
      sql: () => cellSql(resource.columnSql(attribute)),
      xlsxSql: () => resource.columnSql(attribute),
    })
  }
  return { columns, attributes, computed }
}
