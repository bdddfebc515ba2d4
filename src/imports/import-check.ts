import type { CurrentAdmin } from 'adminjs'
import type { Transaction } from 'sequelize'
import { bulkShareOf } from '../db/bulk-share.js'
import { isAdmin, resetsFor, valueRuleAgainst } from '../access/index.js'
import { NOT_REACHABLE } from '../panel/actions/bulk-edit.js'
import { changesSince, type ChangeSince } from '../panel/adapter/stale-version.js'
import { presented } from '../exports/csv-columns.js'
import { restoreFormula } from '../exports/spreadsheet-safe.js'
import { asSet, attributesToCheck, checkInstance } from '../fields/bulk-update.js'
import { kinds } from '../fields/kinds.js'
import { fieldMap, fieldsOf } from '../fields/model.js'
import { readCell } from './import-cells.js'
import type { Column } from './import-columns.js'
import { identityOf } from './import-key.js'
import { storedByKey, type References } from './import-lookups.js'
import { chunks, LOOKUP_CHUNK, type ImportOptions } from './import-options.js'
import type { Checked, FieldChange } from './import-report.js'

/**
 * Checking: every row of the file against the model's own rules — the same row checker as bulk
 * edit and the form (validators, then hooks), so the same messages — after each cell is read as
 * its field's kind (import-cells.ts). A row is `unchanged` when every value, once normalized,
 * equals the stored one; an update lists exactly the fields that change, old → new.
 */

const NO_ERRORS: Record<string, string> = Object.freeze({}) as Record<string, string>
const NO_VALUES: Record<string, unknown> = Object.freeze({})
/** What an update of a write-only password shows in place of the values. */
export const PASSWORD_CHANGE: FieldChange = Object.freeze({ from: '••••••', to: '(new password)' }) as FieldChange

/** The cells an error row's messages are about, as the file had them (a password is never echoed). */
function cellsOf(errors: Record<string, string>, texts: Record<string, string>, passwordField: string | undefined) {
  const cells = Object.fromEntries(Object.keys(errors).flatMap((name) => (name in texts && name !== passwordField ? [[name, texts[name]]] : [])))
  return Object.keys(cells).length ? { cells } : {}
}

/**
 * A row's Version cell against the stored version: a message when it cannot be compared or names a
 * version the record never had, 'stale' when older, 'missing' for an empty cell, undefined when equal.
 */
function versionProblem(cell: string, stored: number): string | 'stale' | 'missing' | undefined {
  const text = restoreFormula(cell).trim()
  if (text === '') return 'missing'
  if (!/^\d{1,9}$/.test(text)) return 'Must be a whole number: the version this row was exported at'
  const version = Number(text)
  if (version === stored) return undefined
  if (version > stored) return `This client is at version ${stored}; version ${version} is not one it had. Export it again.`
  return 'stale'
}

/** As the edit form says it of a save from an older version: who changed the record since, when, and which fields. */
function staleRowMessage(base: number, changes: ChangeSince[]): string {
  if (!changes.length) return `Changed since version ${base} of your file. Export again to get the current values, then apply your changes to them.`
  const byWhom = new Map<string, string>()
  for (const change of changes) byWhom.set(change.actor, change.when)
  const who = [...byWhom].map(([actor, when]) => `${actor} at ${when}`).join(' and ')
  const fields = [...new Set(changes.flatMap((change) => change.labels))].join(', ')
  return `Changed by ${who} since version ${base} of your file (${fields}). Export again to get the current values, then apply your changes to them.`
}

/**
 * The checker of one pass over a file: `check` takes a chunk of rows (their cells and keys, and
 * the index of the first) and answers them checked, with the stored records of just that chunk
 * read (under lock inside a transaction). `versionColumn`: the file's Version column, if it has
 * one (import-columns.ts versionColumnIn).
 */
export function rowChecker(
  shape: { columns: Column[]; versionColumn: number | undefined; decimalComma: boolean },
  currentAdmin: CurrentAdmin,
  options: ImportOptions,
) {
  const { columns, versionColumn } = shape
  const { model, definition, keyFields } = options
  const ownerField = definition.ownedBy
  // Errors about the match itself (another manager's client) are said on the first key column.
  const keyField = keyFields[0]
  const fields = fieldMap(definition)
  const admin = isAdmin({ currentAdmin })
  const passwordField = definition.passwordHash?.from
  // None without a password (a field with no `confirms` does not confirm an absent password).
  const confirmation = passwordField && fieldsOf(definition).find(([, def]) => def.confirms === passwordField)?.[0]
  const attributes = Object.keys(model.getAttributes())
  // Kept by the database: timestamps, the version counter.
  const derived = new Set(['id', 'createdAt', 'updatedAt', ...(definition.versionField ? [definition.versionField] : [])])
  // Shared by every row: a referenced manager or product is checked once, not once per row.
  const referenceLookups = new Map()
  // Only the stored columns a rule looks at for the file's columns: a whole row per line of a
  // 100,000-row file is hundreds of MB of short-lived objects that the heap grows to hold.
  const present = columns.flatMap((column) => ('attribute' in column ? [column.attribute] : []))
  const touchable = [...present, ...(ownerField ? [ownerField] : []), ...(passwordField ? [passwordField] : []), ...(confirmation ? [confirmation] : [])]
  const versionField = versionColumn !== undefined ? definition.versionField : undefined
  // The reset rules compare the stored values they watch (a sender name's name and status).
  const watched = (options.resetRules ?? []).flatMap((rule) => [rule.field, ...rule.fields])
  const storedAttributes = [
    ...new Set([...keyFields, ...(ownerField ? [ownerField] : []), ...(versionField ? [versionField] : []), ...watched, ...(options.valueRules ?? []).map((rule) => rule.field), ...attributesToCheck(definition, touchable)]),
  ]
  // Changes are listed in form order, whatever the file's column order.
  const formOrder = fieldsOf(definition).map(([name]) => name)
  const asText = new Map(formOrder.map((name) => [name, presented(fields.get(name)!)]))
  const context = { decimalComma: shape.decimalComma }
  // The checks are CPU work: others' requests come first (src/db/interactive-first.ts).
  const pace = bulkShareOf(model.sequelize!).interactive.pacer()

  return async function check(
    rows: string[][],
    keys: string[],
    first: number,
    references: References,
    transaction: Transaction | undefined,
    signal?: AbortSignal,
  ): Promise<Checked[]> {
    // Only this chunk's stored rows: never all of them in memory.
    const stored = await storedByKey(keys, storedAttributes, options, references, transaction)
    const checked: Checked[] = []
    /** Rows based on an older version than the stored one: who changed what since is looked up for all of them at once. */
    const stale: { checked: Checked; recordId: number; base: number }[] = []
    for (const [at, cells] of rows.entries()) {
      const i = first + at
      if (pace.due()) {
        await pace()
        signal?.throwIfAborted()
      }
      const errors: Record<string, string> = {}
      const values: Record<string, unknown> = {}
      const texts: Record<string, string> = {}
      let password: string | undefined
      for (const column of columns) {
        if (!('attribute' in column)) continue
        const cell = restoreFormula(cells[column.index] ?? '')
        texts[column.attribute] = cell
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
            if (id === undefined) errors[column.attribute] = reference.notFound
            else values[column.attribute] = id
          }
          continue
        }
        const reading = readCell(cell, column.def, context)
        if ('error' in reading) errors[column.attribute] = reading.error
        else values[column.attribute] = reading.value
      }

      const identity = identityOf(keys[at], keyFields, references)
      const existing = identity === undefined ? undefined : stored.get(identity)
      if (ownerField && !admin && existing && String(existing[ownerField]) !== String(currentAdmin.id)) {
        // Another manager's client: said in the same words as one that does not exist, and checked
        // no further, so no rule's message tells anything of its stored values (currency, times…).
        checked.push({ row: i + 1, key: keys[at], action: 'error', errors: { [keyField]: NOT_REACHABLE }, id: Number(existing.id), values: NO_VALUES })
        continue
      }
      // A stored client's row without a version to compare: the file has no Version column, or an empty cell.
      let unversioned = Boolean(existing && definition.versionField && !versionField)
      let staleBase: number | undefined
      if (existing && versionField) {
        const problem = versionProblem(cells[versionColumn!] ?? '', Number(existing[versionField]))
        if (problem === 'missing') unversioned = true
        else if (problem === 'stale') staleBase = Number(restoreFormula(cells[versionColumn!]).trim())
        else if (problem) errors[versionField] = problem
      }
      // The match is by the key in any case: it is never rewritten (a rename is not an import's job).
      if (existing) for (const field of keyFields) delete values[field]
      if (ownerField && !admin) {
        // A manager imports only their own clients (above), and only as themselves: their Manager
        // cells find no one else (import-lookups.ts referenceScope).
        // An empty or absent Manager is the manager themselves (their form has no Manager field).
        if (values[ownerField] === null || values[ownerField] === undefined) {
          if (existing) delete values[ownerField]
          else values[ownerField] = Number(currentAdmin.id)
        }
      }
      // The entry's role rules as data, as the form applies them (declared-rules.ts): a manager's
      // change of a watched field resets a value (a renamed approved sender name is pending again),
      // and a value only some roles may set (approved) is refused, unless it is the stored one.
      if (existing) Object.assign(values, resetsFor(options.resetRules, currentAdmin, existing, values))
      for (const rule of options.valueRules ?? []) {
        if (!(rule.field in values) || errors[rule.field]) continue
        if (existing && String(existing[rule.field]) === String(values[rule.field])) continue
        if (valueRuleAgainst([rule], currentAdmin, rule.field, values[rule.field])) errors[rule.field] = rule.message
      }
      if (password !== undefined && passwordField) {
        values[passwordField] = password
        if (confirmation) values[confirmation] = password
      }

      const touched = Object.keys(values).filter((name) => !errors[name])
      const writable = Object.fromEntries(touched.map((name) => [name, values[name]]))
      const instance = existing ? model.build(asSet(existing, fields), { isNewRecord: false, raw: true }) : model.build({}, { isNewRecord: true })
      instance.set(writable)
      // The password is checked by its field rules here and hashed only once the whole file passes:
      // the hooks see a placeholder, so a dry run costs no bcrypt time.
      const hookOptions = {
        transaction,
        referenceLookups,
        fields: touched,
        writeOnlyValues: password !== undefined && passwordField ? { [passwordField]: '', ...(confirmation && { [confirmation]: '' }) } : undefined,
      }
      await checkInstance(model, definition, instance, {
        skip: existing ? attributes.filter((name) => !touched.includes(name)) : undefined,
        hookOptions,
        errors,
        hooksAfterInvalid: true,
      })
      // The confirmation is never a column of a file (the import fills it in): its message is the password's.
      if (confirmation && errors[confirmation]) {
        if (passwordField) errors[passwordField] ??= errors[confirmation]
        delete errors[confirmation]
      }
      const toWrite = Object.fromEntries(
        attributes
          .filter((name) => !derived.has(name) && !kinds[fields.get(name)?.kind ?? 'string'].virtual && (existing ? touched.includes(name) : true))
          .map((name) => [name, instance.get(name)]),
      )
      // A stale row is an error whatever it holds (as the form refuses a save from an older version);
      // its message, naming who changed the record and when, is filled in after the loop.
      if (staleBase !== undefined) errors[versionField!] ??= ''
      const failed = Object.keys(errors).length > 0
      let changes: Record<string, FieldChange> | undefined
      if (existing && !failed) {
        for (const name of formOrder) {
          if (name === passwordField && password !== undefined) (changes ??= {})[name] = { ...PASSWORD_CHANGE }
          if (!touched.includes(name) || name === passwordField || name === confirmation || !instance.changed(name as never)) continue
          const text = asText.get(name)!
          ;(changes ??= {})[name] = { from: text(instance.previous(name as never)), to: text(instance.get(name)) }
        }
      }
      const action = failed ? 'error' : !existing ? 'create' : changes ? 'update' : 'unchanged'
      // Kept for every row until the apply: only what the report and the writes need.
      const row: Checked = {
        row: i + 1,
        key: keys[at],
        action,
        errors: failed ? errors : NO_ERRORS,
        ...(failed && cellsOf(errors, texts, passwordField)),
        ...(changes && { changes }),
        id: existing ? Number(existing.id) : undefined,
        values: action === 'create' || action === 'update' ? toWrite : NO_VALUES,
        password,
        ...(unversioned && { unversioned }),
      }
      checked.push(row)
      if (staleBase !== undefined && errors[versionField!] === '') stale.push({ checked: row, recordId: Number(existing!.id), base: staleBase })
    }
    for (const part of chunks(stale, LOOKUP_CHUNK)) {
      const since = await changesSince(model.sequelize!, definition, part, transaction)
      for (const { checked: row, recordId, base } of part) row.errors[versionField!] = staleRowMessage(base, since.get(recordId) ?? [])
    }
    return checked
  }
}
