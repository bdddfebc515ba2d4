import type { CurrentAdmin } from 'adminjs'
import { isAdmin } from '../access/index.js'
import { RECORD_LABELS } from '../panel/panel-fields.js'
import { restoreFormula } from '../exports/spreadsheet-safe.js'
import type { FieldDef } from '../fields/kinds.js'
import { fieldMap, fieldsOf, type ResourceDefinition } from '../fields/model.js'
import { ImportFileError } from './csv-file.js'
import { scanImportFile } from './import-file.js'
import { joinKey, repeatIdentity, shownKey } from './import-key.js'
import type { ImportOptions } from './import-options.js'
import type { Checked } from './import-report.js'

/**
 * Matching a file's columns to fields: its header read as labels or attribute names, and what can
 * be refused from the file alone before any row is looked up (unknown or repeated columns, no key
 * column, a key repeated within the file, a required column missing for the rows that create).
 */

export type Column = { index: number; attribute: string; def: FieldDef } | { index: number; ignored: true }

const MAX_REPORTED_DUPLICATES = 5
const MAX_REPORTED_COLUMNS = 10

/** Header cell → column: a field's label or attribute name; the record's ID, timestamps and read-only fields are read past. */
function mapHeader(header: string[], definition: ResourceDefinition, keyFields: readonly string[]): Column[] {
  const known = new Map<string, { attribute: string; def?: FieldDef }>()
  for (const [attribute, def] of fieldsOf(definition)) {
    if (def.confirms) continue // the import sets the confirmation itself
    known.set(attribute.toLowerCase(), { attribute, def: def.readOnly ? undefined : def })
    known.set(def.label.toLowerCase(), { attribute, def: def.readOnly ? undefined : def })
  }
  for (const [attribute, label] of Object.entries(RECORD_LABELS)) {
    known.set(attribute.toLowerCase(), { attribute })
    known.set(label.toLowerCase(), { attribute })
  }
  const seen = new Set<string>()
  const unknown: string[] = []
  const columns: Column[] = header.map((cell, index) => {
    const found = known.get(cell.trim().toLowerCase())
    if (!found) {
      unknown.push(cell)
      return { index, ignored: true }
    }
    if (seen.has(found.attribute)) throw new ImportFileError(`The column "${cell}" appears twice.`)
    seen.add(found.attribute)
    return found.def ? { index, attribute: found.attribute, def: found.def } : { index, ignored: true }
  })
  if (unknown.length) {
    // Named up to a few: a header of a million unknown cells is one short answer, not megabytes.
    const named = unknown.slice(0, MAX_REPORTED_COLUMNS).map((cell) => `"${cell.length > 60 ? `${cell.slice(0, 60)}…` : cell}"`)
    const more = unknown.length > named.length ? ` and ${(unknown.length - named.length).toLocaleString('en')} more` : ''
    throw new ImportFileError(`Unknown column${unknown.length > 1 ? 's' : ''}: ${named.join(', ')}${more}. Use the labels of the export or the field names.`)
  }
  const missing = keyFields.filter((field) => !seen.has(field)).map((field) => labelOf(definition, field))
  if (missing.length) throw new ImportFileError(`Missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`)
  return columns
}

/** The file's columns from its header (refusing unknown or repeated ones, or no key column), and where its key's columns are. */
export function columnsOf(header: string[], { definition, keyFields }: Pick<ImportOptions, 'definition' | 'keyFields'>) {
  const columns = mapHeader(header, definition, keyFields)
  return { columns, keyColumns: keyFields.map((field) => columnOf(columns, field)!) }
}

export const columnOf = (columns: Column[], attribute: string | undefined) =>
  columns.find((column) => 'attribute' in column && column.attribute === attribute)?.index
/** A row's key (import-key.ts): its key columns' cells as the export wrote them, trimmed. */
export const keyIn = (cells: string[], keyColumns: number[]) =>
  keyColumns.length === 1 ? cellText(cells, keyColumns[0]) : joinKey(keyColumns.map((column) => cellText(cells, column)))
const cellText = (cells: string[], column: number) => restoreFormula(cells[column] ?? '').trim()
const labelOf = (definition: ResourceDefinition, field: string) => fieldMap(definition).get(field)?.label ?? field

/**
 * The file's Version column (the export writes one), read past like every read-only column but
 * compared (import-check.ts): a row based on an older version than the stored one would overwrite
 * what changed since.
 */
export function versionColumnIn(header: string[], definition: ResourceDefinition): number | undefined {
  const field = definition.versionField
  const def = field ? fieldMap(definition).get(field) : undefined
  if (!field || !def) return undefined
  const names = new Set([field.toLowerCase(), def.label.toLowerCase()])
  const index = header.findIndex((cell) => names.has(cell.trim().toLowerCase()))
  return index === -1 ? undefined : index
}

/**
 * Duplicate keys would make "which row wins" a guess: the file is refused, naming them. The keys
 * are seen a chunk at a time, so the check holds across chunks; what it keeps is each key once.
 */
export class RepeatedKeys {
  private readonly firstRow = new Map<string, number>()
  private readonly duplicates: string[] = []
  /** `label`: what a key is (a sender name's: "Client and Name"). */
  constructor(private readonly label: string) {}

  /** `first`: the index of the first key's row (0 for the row under the header). */
  add(keys: string[], first: number) {
    keys.forEach((key, i) => {
      if (!key) return
      const identity = repeatIdentity(key)
      const seen = this.firstRow.get(identity)
      if (seen === undefined) this.firstRow.set(identity, first + i + 1)
      else if (this.duplicates.length < MAX_REPORTED_DUPLICATES) this.duplicates.push(`"${shownKey(key)}" (rows ${seen} and ${first + i + 1})`)
    })
  }

  refuse() {
    // A sender name twice for one client, in any case: the composite unique rule, said of the file.
    if (this.duplicates.length) throw new ImportFileError(`Each ${this.label} may appear only once in the file; repeated: ${this.duplicates.join(', ')}.`)
  }
}

export const keyLabel = ({ definition, keyFields }: Pick<ImportOptions, 'definition' | 'keyFields'>) => keyFields.map((field) => labelOf(definition, field)).join(' and ')

/**
 * What can be refused from the file alone (unknown or repeated columns, no key column, a key
 * repeated within the file) and its password cells that are not empty (each costs a bcrypt hash on
 * apply), in one pass over the file as it streams, keeping only its keys: a request decides
 * whether the import runs now or as a job without holding every row. A header that cannot be
 * imported stops the pass at once: the rest of the file is not read.
 */
export async function inspectSource(source: string | Buffer, { maxRows }: { maxRows: number }, options: Pick<ImportOptions, 'definition' | 'keyFields'>) {
  let keyColumns: number[] = []
  let passwordColumn: number | undefined
  const repeated = new RepeatedKeys(keyLabel(options))
  let passwords = 0
  const { rows } = await scanImportFile(source, { maxRows }, {
    header: (header) => {
      const { columns, keyColumns: keys } = columnsOf(header, options)
      keyColumns = keys
      passwordColumn = columnOf(columns, options.definition.passwordHash?.from)
    },
    row: (cells, index) => {
      repeated.add([keyIn(cells, keyColumns)], index)
      if (passwordColumn !== undefined && restoreFormula(cells[passwordColumn] ?? '') !== '') passwords += 1
    },
  })
  repeated.refuse()
  return { rows, passwords }
}

/**
 * Columns a new record cannot do without (required, no default, not set by the import itself),
 * absent from the file while some of its rows would create a record: one file-level message
 * naming them, instead of the same error on every new row. The rows are counted a chunk at a time.
 */
export class NewRows {
  private count = 0
  private readonly first: number[] = []

  add(checked: Checked[]) {
    for (const row of checked) {
      if (row.action !== 'create' && !(row.action === 'error' && row.id === undefined)) continue
      this.count += 1
      if (this.first.length < MAX_REPORTED_DUPLICATES) this.first.push(row.row)
    }
  }

  refuseMissingColumns(columns: Column[], currentAdmin: CurrentAdmin, options: ImportOptions) {
    refuseMissingRequiredColumns(this.count, this.first, columns, currentAdmin, options)
  }
}

function refuseMissingRequiredColumns(creates: number, rows: number[], columns: Column[], currentAdmin: CurrentAdmin, options: ImportOptions) {
  if (!creates) return
  const present = new Set(columns.flatMap((column) => ('attribute' in column ? [column.attribute] : [])))
  const missing = fieldsOf(options.definition)
    .filter(([attribute, def]) => def.required && def.default === undefined && !def.confirms && !def.readOnly && !present.has(attribute))
    // A manager's new clients are their own: their file needs no Manager column.
    .filter(([attribute]) => !(attribute === options.definition.ownedBy && !isAdmin({ currentAdmin })))
    .map(([, def]) => def.label)
  if (!missing.length) return
  const plural = missing.length > 1
  throw new ImportFileError(
    `Missing required column${plural ? 's' : ''} ${missing.map((label) => `"${label}"`).join(', ')}: ` +
      `${creates === 1 ? 'row' : `${creates.toLocaleString('en')} rows`} ${rows.join(', ')}${creates > rows.length ? ', …' : ''} would create a new record, which needs ${plural ? 'them' : 'it'}. ` +
      `Add the column${plural ? 's' : ''}, or leave out the rows that are not in the database yet.`,
  )
}

