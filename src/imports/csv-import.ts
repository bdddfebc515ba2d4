import { randomUUID } from 'node:crypto'
import type { CurrentAdmin } from 'adminjs'
import { Op, QueryTypes, Sequelize, type Model, type ModelStatic, type Transaction } from 'sequelize'
import { isAdmin } from '../access/index.js'
import type { AppResource } from '../panel/adapter/app-resource.js'
import { NOT_REACHABLE } from '../panel/actions/bulk-edit.js'
import { RECORD_LABELS } from '../panel/panel-fields.js'
import { hashPassword } from '../auth/password-hashing.js'
import { naturalKeyOf } from '../exports/csv-columns.js'
import { restoreFormula } from '../exports/spreadsheet-safe.js'
import { asSet, attributesToCheck } from '../fields/bulk-update.js'
import { fieldErrorsFrom } from '../fields/errors.js'
import { kinds, type FieldDef } from '../fields/kinds.js'
import { columnName, fieldMap, fieldsOf, type ResourceDefinition } from '../fields/model.js'
import { ImportFileError, scanCsvFile, type CsvFile } from './csv-file.js'

/**
 * A CSV file (as the export writes it) checked row by row with the model's own rules — the same
 * validators and hooks as the form, so the same messages — then, when every row passes, written
 * all at once in one transaction: a few set-based INSERT and UPDATE statements, recorded in the
 * change history as one operation "import:<uuid>" of the importing user. Rows match stored
 * records by their title field (the client's login), case-insensitively.
 */

export type ImportAction = 'create' | 'update' | 'unchanged' | 'error'
export type ImportRow = { row: number; login: string | null; action: ImportAction; errors: Record<string, string> }
export type ImportReport = { dryRun: boolean; total: number; created: number; updated: number; unchanged: number; failed: number; rows: ImportRow[] }
export type ImportProgress = { phase: 'checking' | 'hashing' | 'applying' | 'done'; done: number; total: number }

/** One run's hooks: progress, cancellation, and a write that commits (or not) with the apply. */
export type ImportRun = {
  onProgress?: (progress: ImportProgress) => void
  /** Aborting stops the run between rows or statements; an apply in progress rolls back. */
  signal?: AbortSignal
  /** Runs inside the apply's transaction, just before it commits: a job records its report there. */
  beforeCommit?: (report: ImportReport, transaction: Transaction) => Promise<void>
}

export type ImportOptions = {
  model: ModelStatic<Model>
  resource: AppResource
  definition: ResourceDefinition
  /** The matching key (the client's login): required column, unique case-insensitively. */
  keyField: string
  /** The reference that names the row's owner (a manager may only import their own, as themselves). */
  ownerField?: string
  bcryptRounds: number
}

type Column = { index: number; attribute: string; def: FieldDef } | { index: number; ignored: true }
type Checked = {
  row: number
  key: string
  action: ImportAction
  errors: Record<string, string>
  id?: number
  /** Column values as the model's setters left them (what would be written). */
  values: Record<string, unknown>
  password?: string
}

const NO_ERRORS: Record<string, string> = Object.freeze({}) as Record<string, string>
const NO_VALUES: Record<string, unknown> = Object.freeze({})
const MAX_REPORTED_DUPLICATES = 5
/** Rows per INSERT / UPDATE statement. */
const WRITE_CHUNK = 2000
/** Rows checked between two turns of the event loop (about 10 ms of work). */
const YIELD_EVERY = 200
/** Stored rows looked up per query. */
const LOOKUP_CHUNK = 1000

class NothingSaved extends Error {
  constructor(readonly checked: Checked[]) {
    super('a rule refused at least one row')
  }
}

const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/** Header cell → column: a field's label or attribute name; the record's ID, timestamps and read-only fields are read past. */
function mapHeader(header: string[], definition: ResourceDefinition, keyField: string): Column[] {
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
    throw new ImportFileError(`Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.map((cell) => `"${cell}"`).join(', ')}. Use the labels of the export or the field names.`)
  }
  if (!seen.has(keyField)) throw new ImportFileError(`Missing required column: ${fieldMap(definition).get(keyField)?.label ?? keyField}.`)
  return columns
}

type InspectedFile = { columns: Column[]; keys: string[] }

/**
 * What can be refused from the file alone, before any row is looked up: unknown or repeated
 * columns, no key column, a key repeated within the file. (inspectSource does the same in the
 * request of an import that then runs as a job, so such a file is refused at once.)
 */
function inspectFile(file: CsvFile, { definition, keyField }: Pick<ImportOptions, 'definition' | 'keyField'>): InspectedFile {
  const columns = mapHeader(file.header, definition, keyField)
  const keyColumn = columnOf(columns, keyField)!
  const keys = file.rows.map((cells) => keyIn(cells, keyColumn))
  refuseRepeatedKeys(keys, definition, keyField)
  return { columns, keys }
}

const columnOf = (columns: Column[], attribute: string | undefined) =>
  columns.find((column) => 'attribute' in column && column.attribute === attribute)?.index
const keyIn = (cells: string[], keyColumn: number) => restoreFormula(cells[keyColumn] ?? '').trim()

/** Duplicate keys would make "which row wins" a guess: the file is refused, naming them. */
function refuseRepeatedKeys(keys: string[], definition: ResourceDefinition, keyField: string) {
  const firstRow = new Map<string, number>()
  const duplicates: string[] = []
  keys.forEach((key, i) => {
    if (!key) return
    const lower = key.toLowerCase()
    const first = firstRow.get(lower)
    if (first === undefined) firstRow.set(lower, i + 1)
    else if (duplicates.length < MAX_REPORTED_DUPLICATES) duplicates.push(`"${key}" (rows ${first} and ${i + 1})`)
  })
  if (duplicates.length) throw new ImportFileError(`Each ${fieldMap(definition).get(keyField)?.label ?? keyField} may appear only once in the file; repeated: ${duplicates.join(', ')}.`)
}

/** Password cells that are not empty: each costs a bcrypt hash on apply. */
function passwordsIn(file: CsvFile, { definition }: Pick<ImportOptions, 'definition'>, { columns }: InspectedFile): number {
  const column = columnOf(columns, definition.passwordHash?.from)
  return column === undefined ? 0 : file.rows.filter((cells) => restoreFormula(cells[column] ?? '') !== '').length
}

/**
 * inspectFile and passwordsIn in one pass over the file as it streams, keeping only its keys: a
 * request decides whether the import runs now or as a job without holding every row. The file's
 * own faults (not CSV, ragged…) are named before its columns', as when it is read whole.
 */
export async function inspectSource(source: string | Buffer, { maxRows }: { maxRows: number }, { definition, keyField }: Pick<ImportOptions, 'definition' | 'keyField'>) {
  let columns: Column[] | undefined
  let refused: unknown
  let keyColumn = -1
  let passwordColumn: number | undefined
  const keys: string[] = []
  let passwords = 0
  const { rows } = await scanCsvFile(source, { maxRows }, {
    header: (header) => {
      try {
        columns = mapHeader(header, definition, keyField)
      } catch (error) {
        refused = error
        return
      }
      keyColumn = columnOf(columns, keyField)!
      passwordColumn = columnOf(columns, definition.passwordHash?.from)
    },
    row: (cells) => {
      if (!columns) return
      keys.push(keyIn(cells, keyColumn))
      if (passwordColumn !== undefined && restoreFormula(cells[passwordColumn] ?? '') !== '') passwords += 1
    },
  })
  if (refused) throw refused
  refuseRepeatedKeys(keys, definition, keyField)
  return { rows, passwords }
}

/**
 * Columns a new record cannot do without (required, no default, not set by the import itself),
 * absent from the file while some of its rows would create a record: one file-level message
 * naming them, instead of the same error on every new row.
 */
function refuseMissingRequiredColumns(checked: Checked[], columns: Column[], currentAdmin: CurrentAdmin, options: ImportOptions) {
  const creates = checked.filter((row) => row.action === 'create' || (row.action === 'error' && row.id === undefined))
  if (!creates.length) return
  const present = new Set(columns.flatMap((column) => ('attribute' in column ? [column.attribute] : [])))
  const missing = fieldsOf(options.definition)
    .filter(([attribute, def]) => def.required && def.default === undefined && !def.confirms && !def.readOnly && !present.has(attribute))
    // A manager's new clients are their own: their file needs no Manager column.
    .filter(([attribute]) => !(attribute === options.ownerField && !isAdmin({ currentAdmin })))
    .map(([, def]) => def.label)
  if (!missing.length) return
  const rows = creates.slice(0, MAX_REPORTED_DUPLICATES).map((row) => row.row)
  const plural = missing.length > 1
  throw new ImportFileError(
    `Missing required column${plural ? 's' : ''} ${missing.map((label) => `"${label}"`).join(', ')}: ` +
      `${creates.length === 1 ? 'row' : `${creates.length.toLocaleString('en')} rows`} ${rows.join(', ')}${creates.length > rows.length ? ', …' : ''} would create a new record, which needs ${plural ? 'them' : 'it'}. ` +
      `Add the column${plural ? 's' : ''}, or leave out the rows that are not in the database yet.`,
  )
}

export async function runImport(file: CsvFile, currentAdmin: CurrentAdmin, dryRun: boolean, options: ImportOptions, run: ImportRun = {}): Promise<ImportReport> {
  const { model, resource } = options
  const { columns, keys } = inspectFile(file, options)
  const sequelize = model.sequelize!
  const references = await resolveReferences(file, columns, sequelize)
  const progress = (phase: ImportProgress['phase'], done: number, total = file.rows.length) => run.onProgress?.({ phase, done, total })
  const report = (checked: Checked[]) => reportOf(dryRun, checked)
  const { signal } = run

  const check = async (transaction?: Transaction) => {
    const checked = await checkAll(file, columns, keys, references, currentAdmin, options, transaction, (done) => {
      signal?.throwIfAborted()
      progress('checking', done)
    })
    refuseMissingRequiredColumns(checked, columns, currentAdmin, options)
    return checked
  }
  // Without passwords to hash first, an apply checks once, inside its transaction.
  const checked = dryRun || passwordsIn(file, options, { columns, keys }) > 0 ? await check() : []
  if (dryRun || checked.some((row) => row.action === 'error')) return report(checked)

  // Hashing is the slow part (bcrypt on the low-priority workers): done before the transaction,
  // so no row stays locked while it runs.
  const passwords = checked.filter((row) => row.password && (row.action === 'create' || row.action === 'update'))
  const hashes = new Map<number, string>()
  let hashed = 0
  progress('hashing', 0, passwords.length)
  const hashing = Promise.all(
    passwords.map(async (row) => {
      hashes.set(row.row, await hashPassword(row.password!, options.bcryptRounds))
      progress('hashing', ++hashed, passwords.length)
    }),
  )
  // A stop does not wait for hashes already queued on the workers: nothing is written yet.
  await (signal ? Promise.race([hashing, aborted(signal)]) : hashing)

  const operation = `import:${randomUUID()}`
  try {
    const applied = await resource.asActor(
      { currentAdmin },
      async (transaction) => {
        // Checked again under lock: what was checked above may have changed in the meantime.
        const final = await check(transaction)
        if (final.some((row) => row.action === 'error')) throw new NothingSaved(final)
        const missingHash = final.find((row) => row.password && !hashes.has(row.row))
        if (missingHash) hashes.set(missingHash.row, await hashPassword(missingHash.password!, options.bcryptRounds))
        const writes = final.filter((row) => row.action === 'create' || row.action === 'update').length
        progress('applying', 0, writes)
        await writeAll(final, hashes, options, transaction, (written) => {
          signal?.throwIfAborted()
          progress('applying', written, writes)
        })
        const finalReport = report(final)
        await run.beforeCommit?.(finalReport, transaction)
        return finalReport
      },
      operation,
    )
    progress('done', file.rows.length)
    return applied
  } catch (error) {
    if (error instanceof NothingSaved) return report(error.checked)
    throw error
  }
}

const aborted = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })

function reportOf(dryRun: boolean, checked: Checked[]): ImportReport {
  const count = (action: ImportAction) => checked.filter((row) => row.action === action).length
  return {
    dryRun,
    total: checked.length,
    created: count('create'),
    updated: count('update'),
    unchanged: count('unchanged'),
    failed: count('error'),
    rows: checked.map(({ row, key, action, errors }) => ({ row, login: key || null, action, errors })),
  }
}

type References = Map<string, { label: string; ids: Map<string, number>; caseInsensitive: boolean }>

/** Manager and Product cells hold the referenced record's natural key (e-mail, code): all looked up in one query each. */
async function resolveReferences(file: CsvFile, columns: Column[], sequelize: Sequelize): Promise<References> {
  const references: References = new Map()
  for (const column of columns) {
    if (!('attribute' in column) || !column.def.references) continue
    const key = naturalKeyOf(column.def.references.resource)
    if (!key) continue
    const caseInsensitive = key.def.kind === 'email' || key.def.unique === 'caseInsensitive'
    const normal = (value: string) => (caseInsensitive ? value.toLowerCase() : value)
    const wanted = [...new Set(file.rows.map((cells) => normal(restoreFormula(cells[column.index] ?? '').trim())).filter(Boolean))]
    const ids = new Map<string, number>()
    const keySql = caseInsensitive ? `lower("${columnName(key.attribute)}")` : `"${columnName(key.attribute)}"`
    for (const part of chunks(wanted, LOOKUP_CHUNK)) {
      const rows = (await sequelize.query(`SELECT id, ${keySql} AS key FROM "${key.table}" WHERE ${keySql} IN (:part)`, {
        replacements: { part },
        type: QueryTypes.SELECT,
      })) as { id: number; key: string }[]
      for (const row of rows) ids.set(row.key, Number(row.id))
    }
    references.set(column.attribute, { label: column.def.label, ids, caseInsensitive })
  }
  return references
}

async function storedByKey(keys: string[], attributes: string[], options: ImportOptions, transaction?: Transaction) {
  const stored = new Map<string, Record<string, unknown>>()
  const wanted = [...new Set(keys.filter(Boolean).map((key) => key.toLowerCase()))]
  for (const part of chunks(wanted, LOOKUP_CHUNK)) {
    const where = Sequelize.where(Sequelize.fn('lower', Sequelize.col(columnName(options.keyField))), { [Op.in]: part })
    for (const row of await options.resource.rowsWhere(where, { transaction, lock: Boolean(transaction), attributes })) {
      stored.set(String(row[options.keyField]).toLowerCase(), row)
    }
  }
  return stored
}

type HookRunner = { runHooks: (name: string, ...args: unknown[]) => Promise<void> }

async function checkAll(
  file: CsvFile,
  columns: Column[],
  keys: string[],
  references: References,
  currentAdmin: CurrentAdmin,
  options: ImportOptions,
  transaction: Transaction | undefined,
  onRow: (done: number) => void,
): Promise<Checked[]> {
  const { model, definition, ownerField } = options
  const fields = fieldMap(definition)
  // The stored rows are read a chunk at a time, as the rows get there: never all of them in memory.
  let stored = new Map<string, Record<string, unknown>>()
  const admin = isAdmin({ currentAdmin })
  const passwordField = definition.passwordHash?.from
  const confirmation = fieldsOf(definition).find(([, def]) => def.confirms === passwordField)?.[0]
  const attributes = Object.keys(model.getAttributes())
  // Kept by the database: timestamps, the version counter.
  const derived = new Set(['id', 'createdAt', 'updatedAt', ...(definition.versionField ? [definition.versionField] : [])])
  // Shared by every row: a referenced manager or product is checked once, not once per row.
  const referenceLookups = new Map()
  // Only the stored columns a rule looks at for the file's columns: a whole row per line of a
  // 100,000-row file is hundreds of MB of short-lived objects that the heap grows to hold.
  const present = columns.flatMap((column) => ('attribute' in column ? [column.attribute] : []))
  const touchable = [...present, ...(ownerField ? [ownerField] : []), ...(passwordField ? [passwordField] : []), ...(confirmation ? [confirmation] : [])]
  const storedAttributes = [...new Set([options.keyField, ...(ownerField ? [ownerField] : []), ...attributesToCheck(definition, touchable)])]
  const checked: Checked[] = []

  for (const [i, cells] of file.rows.entries()) {
    // The checks are CPU work: let other requests through now and then.
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve))
    if (i % LOOKUP_CHUNK === 0) stored = await storedByKey(keys.slice(i, i + LOOKUP_CHUNK), storedAttributes, options, transaction)
    const errors: Record<string, string> = {}
    const values: Record<string, unknown> = {}
    let password: string | undefined
    for (const column of columns) {
      if (!('attribute' in column)) continue
      const cell = restoreFormula(cells[column.index] ?? '')
      if (column.attribute === passwordField) {
        // Write-only: an empty cell keeps the stored password.
        if (cell !== '') password = cell
        continue
      }
      const reference = references.get(column.attribute)
      if (reference) {
        const text = cell.trim()
        if (text === '') values[column.attribute] = null
        else {
          const id = reference.ids.get(reference.caseInsensitive ? text.toLowerCase() : text)
          if (id === undefined) errors[column.attribute] = `The chosen ${reference.label} does not exist`
          else values[column.attribute] = id
        }
        continue
      }
      values[column.attribute] = cell === '' ? null : cell
    }

    const existing = keys[i] ? stored.get(keys[i].toLowerCase()) : undefined
    if (ownerField && !admin) {
      // A manager imports only their own clients, and only as themselves.
      if (existing && String(existing[ownerField]) !== String(currentAdmin.id)) errors[options.keyField] = NOT_REACHABLE
      if (ownerField in values && values[ownerField] !== null && String(values[ownerField]) !== String(currentAdmin.id)) {
        errors[ownerField] ??= `Only an administrator can hand a client to another manager`
      }
      // An empty or absent Manager is the manager themselves (their form has no Manager field).
      if (values[ownerField] === null || values[ownerField] === undefined) {
        if (existing) delete values[ownerField]
        else values[ownerField] = Number(currentAdmin.id)
      }
    }
    if (password !== undefined && passwordField) {
      values[passwordField] = password
      if (confirmation) values[confirmation] = password
    }

    const touched = Object.keys(values).filter((name) => !errors[name])
    const writable = Object.fromEntries(touched.map((name) => [name, values[name]]))
    const instance = existing
      ? model.build(asSet(existing, fields), { isNewRecord: false, raw: true })
      : model.build({}, { isNewRecord: true })
    instance.set(writable)
    // The password is checked by its field rules here and hashed only once the whole file passes:
    // the hooks see a placeholder, so a dry run costs no bcrypt time.
    const hookOptions = {
      transaction,
      referenceLookups,
      fields: touched,
      writeOnlyValues: password !== undefined && passwordField ? { [passwordField]: '', ...(confirmation && { [confirmation]: '' }) } : undefined,
    }
    const collect = (error: unknown) => {
      const fieldErrors = fieldErrorsFrom(error, definition)
      if (!fieldErrors) throw error
      for (const [name, { message }] of Object.entries(fieldErrors)) errors[name] ??= message
    }
    try {
      await instance.validate(existing ? { skip: attributes.filter((name) => !touched.includes(name)) } : undefined)
    } catch (error) {
      collect(error)
    }
    try {
      await (model as unknown as HookRunner).runHooks(existing ? 'beforeUpdate' : 'beforeCreate', instance, hookOptions)
    } catch (error) {
      collect(error)
    }
    const toWrite = Object.fromEntries(
      attributes.filter((name) => !derived.has(name) && !kinds[fields.get(name)?.kind ?? 'string'].virtual && (existing ? touched.includes(name) : true)).map((name) => [name, instance.get(name)]),
    )
    const changed = existing && (password !== undefined || touched.some((name) => instance.changed(name as never)))
    const action = Object.keys(errors).length ? 'error' : !existing ? 'create' : changed ? 'update' : 'unchanged'
    // Kept for every row until the apply: only what the report and the writes need.
    checked.push({
      row: i + 1,
      key: keys[i],
      action,
      errors: action === 'error' ? errors : NO_ERRORS,
      id: existing ? Number(existing.id) : undefined,
      values: action === 'create' || action === 'update' ? toWrite : NO_VALUES,
      password,
    })
    if ((i + 1) % 1000 === 0) onRow(i + 1)
  }
  onRow(file.rows.length)
  return checked
}

/** The table's column types, for typing the JSON rows the statements read from. */
async function columnTypes(sequelize: Sequelize, table: string, transaction: Transaction) {
  const rows = (await sequelize.query(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped`,
    { replacements: { table }, type: QueryTypes.SELECT, transaction },
  )) as { name: string; type: string }[]
  return new Map(rows.map((row) => [row.name, row.type]))
}

/** Creates with INSERT … SELECT and updates with UPDATE … FROM, each reading a JSON array of rows. */
async function writeAll(checked: Checked[], hashes: Map<number, string>, options: ImportOptions, transaction: Transaction, onWritten: (rows: number) => void) {
  let written = 0
  const { model, definition } = options
  const sequelize = model.sequelize!
  const types = await columnTypes(sequelize, definition.table, transaction)
  const hashAttribute = definition.passwordHash?.attribute
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
  const recordset = (attributes: string[]) => attributes.map((name) => `${quote(columnName(name))} ${types.get(columnName(name))}`).join(', ')

  const creates = checked.filter((row) => row.action === 'create')
  if (creates.length) {
    const attributes = [...new Set([...Object.keys(creates[0].values), ...(hashAttribute ? [hashAttribute] : [])])].filter((name) => types.has(columnName(name)))
    const list = attributes.map((name) => quote(columnName(name))).join(', ')
    for (const part of chunks(creates, WRITE_CHUNK)) {
      const rows = part.map((row) => {
        const json: Record<string, unknown> = {}
        for (const name of attributes) json[columnName(name)] = name === hashAttribute ? hashes.get(row.row) : row.values[name]
        return json
      })
      await sequelize.query(
        `INSERT INTO ${quote(definition.table)} (${list}, created_at, updated_at) SELECT ${list}, now(), now() FROM jsonb_to_recordset($1::jsonb) AS r(${recordset(attributes)})`,
        { bind: [JSON.stringify(rows)], transaction },
      )
      onWritten((written += part.length))
    }
  }

  const updates = checked.filter((row) => row.action === 'update')
  // Rows of one file touch the same columns; grouped anyway, as a row's password is optional.
  const groups = new Map<string, Checked[]>()
  for (const row of updates) {
    const attributes = [...Object.keys(row.values), ...(row.password && hashAttribute ? [hashAttribute] : [])].filter((name) => types.has(columnName(name)))
    const key = attributes.join(',')
    const group = groups.get(key)
    if (group) group.push(row)
    else groups.set(key, [row])
  }
  for (const [key, rows] of groups) {
    const attributes = key ? key.split(',') : []
    const set = [...attributes.map((name) => `${quote(columnName(name))} = r.${quote(columnName(name))}`), 'updated_at = now()'].join(', ')
    for (const part of chunks(rows, WRITE_CHUNK)) {
      const json = part.map((row) => {
        const values: Record<string, unknown> = { id: row.id }
        for (const name of attributes) values[columnName(name)] = name === hashAttribute ? hashes.get(row.row) : row.values[name]
        return values
      })
      await sequelize.query(
        `UPDATE ${quote(definition.table)} AS t SET ${set} FROM jsonb_to_recordset($1::jsonb) AS r(id integer${attributes.length ? `, ${recordset(attributes)}` : ''}) WHERE t.id = r.id`,
        { bind: [JSON.stringify(json)], transaction },
      )
      onWritten((written += part.length))
    }
  }
}
