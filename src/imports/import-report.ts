import { fieldsOf, type ResourceDefinition } from '../fields/model.js'
import { shownKey } from './import-key.js'

/**
 * Reporting: what each row of an import does or would do, and the summary above it. An update
 * names every field it changes, old → new, and the summary counts the rows each column changes
 * in ("Number of contract: 3,060 rows"), so a mass reinterpretation stands out before the apply.
 */

export type ImportAction = 'create' | 'update' | 'unchanged' | 'error'
/** A changed field: its text as stored, and as it will be stored. */
export type FieldChange = { from: string; to: string }
export type ImportRow = {
  row: number
  /**
   * The row's import key as the file has it: a client's login; a sender name's `client / name`
   * (named `login` since the client import, the first, and kept so).
   */
  login: string | null
  action: ImportAction
  errors: Record<string, string>
  /** Error rows: the cell text of each field named in `errors` (the bad value beside its message). */
  values?: Record<string, string>
  /** Update rows: only the fields whose stored value changes, in form order. */
  changes?: Record<string, FieldChange>
}
export type ImportReport = {
  dryRun: boolean
  total: number
  created: number
  updated: number
  unchanged: number
  failed: number
  /** Attribute → number of rows in which it changes. */
  changedColumns: Record<string, number>
  /** Attribute → label, for every field the rows name (the report reads without the form). */
  labels: Record<string, string>
  rows: ImportRow[]
  /**
   * Whether rows were compared with the stored records' versions (the file has a Version column),
   * and which rows of stored records had no version to compare (no such column, or an empty
   * cell): those overwrite whatever changed since. Only for a resource that counts versions.
   */
  versions?: { compared: boolean; rowsWithoutVersion: number[] }
}
export type ImportProgress = { phase: 'checking' | 'hashing' | 'applying' | 'done'; done: number; total: number }

/** One row as the checker left it, kept until the apply: only what the report and the writes need. */
export type Checked = {
  row: number
  key: string
  action: ImportAction
  errors: Record<string, string>
  /** Error rows: the cells the errors are about. */
  cells?: Record<string, string>
  changes?: Record<string, FieldChange>
  id?: number
  /** A row of a stored record whose Version cell is empty: nothing to compare. */
  unversioned?: boolean
  /** Column values as the model's setters left them (what would be written). */
  values: Record<string, unknown>
  password?: string
}

export function reportOf(dryRun: boolean, checked: Checked[], definition: ResourceDefinition, keyFields: readonly string[], versions?: { compared: boolean }): ImportReport {
  const counts = { create: 0, update: 0, unchanged: 0, error: 0 }
  const changedColumns: Record<string, number> = {}
  const named = new Set<string>(keyFields)
  const rows = checked.map(({ row, key, action, errors, cells, changes }) => {
    counts[action] += 1
    for (const name of Object.keys(errors)) named.add(name)
    for (const name of Object.keys(changes ?? {})) {
      named.add(name)
      changedColumns[name] = (changedColumns[name] ?? 0) + 1
    }
    const shown = key ? shownKey(key) : null
    return { row, login: shown, action, errors, ...(cells && { values: cells }), ...(changes && { changes }) }
  })
  const labels = Object.fromEntries(fieldsOf(definition).filter(([name]) => named.has(name)).map(([name, def]) => [name, def.label]))
  return {
    dryRun,
    total: checked.length,
    created: counts.create,
    updated: counts.update,
    unchanged: counts.unchanged,
    failed: counts.error,
    changedColumns,
    labels,
    rows,
    ...(versions && { versions: { compared: versions.compared, rowsWithoutVersion: checked.filter((row) => row.unversioned).map((row) => row.row) } }),
  }
}
