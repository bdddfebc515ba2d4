import type { CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { isAdmin, ownedIdsSql } from '../access/index.js'
import { NOT_REACHABLE } from '../panel/actions/bulk-edit.js'
import { naturalKeyOf } from '../exports/csv-columns.js'
import { restoreFormula } from '../exports/spreadsheet-safe.js'
import { columnName, fieldsOf } from '../fields/model.js'
import type { Column } from './import-columns.js'
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

/**
 * Manager and Product cells hold the referenced record's natural key (e-mail, code): looked up a
 * chunk of rows at a time, each key once per import (the ids found are kept; a file names few).
 */
export function referenceResolver(columns: Column[], sequelize: Sequelize, scope: ReferenceScope) {
  const references: References = new Map()
  const lookups: { index: number; attribute: string; sql: string; normal: (value: string) => string; looked: Set<string> }[] = []
  for (const column of columns) {
    if (!('attribute' in column) || !column.def.references) continue
    const visible = scope.conditions.get(column.attribute)
    const key = naturalKeyOf(column.def.references.resource)
    if (!key) continue
    const caseInsensitive = key.def.kind === 'email' || key.def.unique === 'caseInsensitive'
    const normal = (value: string) => (caseInsensitive ? value.toLowerCase() : value)
    const keySql = caseInsensitive ? `lower("${columnName(key.attribute)}")` : `"${columnName(key.attribute)}"`
    const sql = `SELECT id, ${keySql} AS key FROM "${key.table}" WHERE ${keySql} IN (:part)${visible ? ` AND ${visible}` : ''}`
    lookups.push({ index: column.index, attribute: column.attribute, sql, normal, looked: new Set() })
    references.set(column.attribute, { label: column.def.label, ids: new Map(), caseInsensitive, notFound: scope.restricted ? NOT_REACHABLE : `The chosen ${column.def.label} does not exist` })
  }

  /** Looks up the keys of `rows` not looked up before; answers every reference found so far. */
  async function resolve(rows: string[][], transaction?: Transaction): Promise<References> {
    for (const { index, attribute, sql, normal, looked } of lookups) {
      const wanted = [...new Set(rows.map((cells) => normal(restoreFormula(cells[index] ?? '').trim())))].filter((key) => key && !looked.has(key))
      const { ids } = references.get(attribute)!
      for (const part of chunks(wanted, LOOKUP_CHUNK)) {
        const found = (await sequelize.query(sql, { replacements: { part }, type: QueryTypes.SELECT, transaction })) as { id: number; key: string }[]
        for (const row of found) ids.set(row.key, Number(row.id))
        for (const key of part) looked.add(key)
      }
    }
    return references
  }
  return resolve
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
