import type { CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { isAdmin, ownedIdsSql } from '../access/index.js'
import { NOT_REACHABLE } from '../panel/actions/bulk-edit.js'
import { naturalKeyOf } from '../exports/csv-columns.js'
import { restoreFormula } from '../exports/spreadsheet-safe.js'
import { columnName, fieldsOf } from '../fields/model.js'
import type { Column } from './import-columns.js'
import type { ImportFile } from './import-file.js'
import { identitiesWhere, identityOf, storedIdentity } from './import-key.js'
import { chunks, LOOKUP_CHUNK, type ImportOptions } from './import-options.js'
import type { Checked } from './import-report.js'

/**
 * Matching rows to stored records: each row's stored record by its key (import-key.ts), and
 * each Manager or Product cell's record by its natural key (e-mail, code), a chunk of keys per
 * query. The report's changes name a referenced record by that key again, not by its id.
 */

export type References = Map<string, { label: string; ids: Map<string, number>; caseInsensitive: boolean; notFound: string }>

/**
 * Which referenced rows a user's cells may find, by attribute (a SQL condition on the referenced
 * table), so that a cell naming anything else gets the same "not found or not yours" whether or
 * not it exists: a manager finds only themselves as Manager (they cannot see other panel users)
 * and only active records where the field takes only active ones (they cannot see the others), and
 * as the record a row is owned through only one of their own (a sender name's Client: their clients).
 * An administrator finds every row, and gets the form's own messages.
 */
export type ReferenceScope = { restricted: boolean; conditions: Map<string, string> }
export function referenceScope(currentAdmin: CurrentAdmin, { definition }: ImportOptions): ReferenceScope {
  const conditions = new Map<string, string>()
  if (isAdmin({ currentAdmin })) return { restricted: false, conditions }
  for (const [attribute, def] of fieldsOf(definition)) {
    if (attribute === definition.ownedBy) conditions.set(attribute, `id = ${Number(currentAdmin.id)}`)
    else if (attribute === definition.ownedThrough) conditions.set(attribute, `id IN ${ownedIdsSql(definition.name, Number(currentAdmin.id))}`)
    else if (def.references?.mustBeActive) conditions.set(attribute, 'active')
  }
  return { restricted: true, conditions }
}

/** Manager and Product cells hold the referenced record's natural key (e-mail, code): all looked up in one query each. */
export async function resolveReferences(file: ImportFile, columns: Column[], sequelize: Sequelize, scope: ReferenceScope): Promise<References> {
  const references: References = new Map()
  for (const column of columns) {
    if (!('attribute' in column) || !column.def.references) continue
    const visible = scope.conditions.get(column.attribute)
    const key = naturalKeyOf(column.def.references.resource)
    if (!key) continue
    const caseInsensitive = key.def.kind === 'email' || key.def.unique === 'caseInsensitive'
    const normal = (value: string) => (caseInsensitive ? value.toLowerCase() : value)
    const wanted = [...new Set(file.rows.map((cells) => normal(restoreFormula(cells[column.index] ?? '').trim())).filter(Boolean))]
    const ids = new Map<string, number>()
    const keySql = caseInsensitive ? `lower("${columnName(key.attribute)}")` : `"${columnName(key.attribute)}"`
    for (const part of chunks(wanted, LOOKUP_CHUNK)) {
      const rows = (await sequelize.query(`SELECT id, ${keySql} AS key FROM "${key.table}" WHERE ${keySql} IN (:part)${visible ? ` AND ${visible}` : ''}`, {
        replacements: { part },
        type: QueryTypes.SELECT,
      })) as { id: number; key: string }[]
      for (const row of rows) ids.set(row.key, Number(row.id))
    }
    references.set(column.attribute, { label: column.def.label, ids, caseInsensitive, notFound: scope.restricted ? NOT_REACHABLE : `The chosen ${column.def.label} does not exist` })
  }
  return references
}

/** The stored records these rows' keys name, by identity (import-key.ts identityOf). */
export async function storedByKey(keys: string[], attributes: string[], options: ImportOptions, references: References, transaction?: Transaction) {
  const stored = new Map<string, Record<string, unknown>>()
  const { keyFields, resource, model } = options
  const wanted = [...new Set(keys.flatMap((key) => identityOf(key, keyFields, references) ?? []))]
  for (const part of chunks(wanted, LOOKUP_CHUNK)) {
    const where = identitiesWhere(part, keyFields, references, model.sequelize!)
    for (const row of await resource.rowsWhere(where, { transaction, lock: Boolean(transaction), attributes })) {
      stored.set(storedIdentity(row, keyFields, references), row)
    }
  }
  return stored
}

/** Changes of a reference column, from ids to the natural keys a file shows (one query per column). */
export async function nameReferencedRecords(checked: Checked[], columns: Column[], sequelize: Sequelize, transaction?: Transaction) {
  for (const column of columns) {
    if (!('attribute' in column) || !column.def.references) continue
    const key = naturalKeyOf(column.def.references.resource)
    const changes = checked.flatMap((row) => (row.changes?.[column.attribute] ? [row.changes[column.attribute]] : []))
    if (!key || !changes.length) continue
    const ids = [...new Set(changes.flatMap(({ from, to }) => [from, to]).filter((id) => /^\d+$/.test(id)).map(Number))]
    const names = new Map<string, string>()
    for (const part of chunks(ids, LOOKUP_CHUNK)) {
      const rows = (await sequelize.query(`SELECT id, "${columnName(key.attribute)}" AS key FROM "${key.table}" WHERE id IN (:part)`, {
        replacements: { part },
        type: QueryTypes.SELECT,
        transaction,
      })) as { id: number; key: string }[]
      for (const row of rows) names.set(String(row.id), String(row.key))
    }
    for (const change of changes) {
      change.from = names.get(change.from) ?? change.from
      change.to = names.get(change.to) ?? change.to
    }
  }
}
