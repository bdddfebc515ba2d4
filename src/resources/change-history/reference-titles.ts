import type { CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize } from 'sequelize'
import { mayNameRecord, ownedRowsSql } from '../../access/index.js'
import type { FieldDef } from '../../fields/kinds.js'
import { columnName, fieldsOf } from '../../fields/model.js'
import { entryOf, registry } from '../registry.js'
import type { ChangeEntry, ReferenceTitle } from './describe-changes.js'

/** The column that names a record of each resource, as its panel title does (a stored field's column only). */
export const titleColumns: Record<string, string> = Object.fromEntries(
  registry.flatMap(({ definition, titleField }) => (fieldsOf(definition).some(([name]) => name === titleField) ? [[definition.name, columnName(titleField)]] : [])),
)

type Reference = NonNullable<FieldDef['references']>
const referenceColumns = new Map<string, Map<string, Reference>>()
/** A resource's reference fields by column (what the history stores), worked out once per resource. */
function referenceColumnsOf(resource: string | undefined): Map<string, Reference> | undefined {
  const definition = entryOf(resource)?.definition
  if (!definition) return undefined
  if (!referenceColumns.has(definition.name)) {
    referenceColumns.set(definition.name, new Map(fieldsOf(definition).flatMap(([name, def]) => (def.references ? [[columnName(name), def.references] as const] : []))))
  }
  return referenceColumns.get(definition.name)
}

/**
 * The names of the records that the reference fields of these change entries pointed at, before and
 * after: one query per referenced resource. A record deleted since keeps its "#id".
 */
export async function referenceTitles(
  sequelize: Sequelize,
  entries: { resource?: string; changes?: ChangeEntry[] }[],
  viewer: { currentAdmin?: CurrentAdmin },
): Promise<ReferenceTitle> {
  const wanted = new Map<string, { table: string; ids: Set<number> }>()
  for (const { resource, changes } of entries) {
    const targetOf = referenceColumnsOf(resource)
    // An account event keeps an object (where the login came from), not a list of field changes.
    if (!targetOf || !Array.isArray(changes)) continue
    for (const change of changes) {
      const target = targetOf.get(change.field)
      if (!target || !titleColumns[target.resource]) continue
      for (const value of [change.old, change.new]) {
        const id = Number(value)
        if (value === null || value === undefined || !Number.isInteger(id) || !mayNameRecord(viewer, target.resource, id)) continue
        if (!wanted.has(target.resource)) wanted.set(target.resource, { table: target.table, ids: new Set() })
        wanted.get(target.resource)!.ids.add(id)
      }
    }
  }
  const titles = new Map<string, string>()
  for (const [resource, { table, ids }] of wanted) {
    // An owned record is named only within the viewer's row scope (a manager's own clients).
    const scope = ownedRowsSql(resource, viewer.currentAdmin)
    const rows = (await sequelize.query(`SELECT id, "${titleColumns[resource]}" AS title FROM "${table}" WHERE id = ANY(ARRAY[:ids]::int[])${scope ? ` AND id IN ${scope}` : ''}`, {
      replacements: { ids: [...ids] },
      type: QueryTypes.SELECT,
    })) as { id: number; title: string | null }[]
    for (const row of rows) if (row.title) titles.set(`${resource}:${row.id}`, row.title)
  }
  return (resource, id) => titles.get(`${resource}:${Number(id)}`)
}

/**
 * The names of the records these entries are about (a client's login, a user's or product's name),
 * one query per resource, as mayNameRecord says (an owned record's name to whoever sees its
 * history: the row scope already limits that to its manager). Deleted ones stay "#id".
 */
export async function recordTitles(
  sequelize: Sequelize,
  entries: { resource?: string; recordId?: unknown }[],
  viewer: { currentAdmin?: CurrentAdmin },
): Promise<ReferenceTitle> {
  const wanted = new Map<string, Set<number>>()
  for (const { resource, recordId } of entries) {
    const id = Number(recordId)
    if (!resource || !titleColumns[resource] || !Number.isInteger(id) || id <= 0) continue
    if (!mayNameRecord(viewer, resource, id)) continue
    if (!wanted.has(resource)) wanted.set(resource, new Set())
    wanted.get(resource)!.add(id)
  }
  const titles = new Map<string, string>()
  for (const [resource, ids] of wanted) {
    const table = entryOf(resource)!.definition.table
    const rows = (await sequelize.query(`SELECT id, "${titleColumns[resource]}" AS title FROM "${table}" WHERE id = ANY(ARRAY[:ids]::int[])`, {
      replacements: { ids: [...ids] },
      type: QueryTypes.SELECT,
    })) as { id: number; title: string | null }[]
    for (const row of rows) if (row.title) titles.set(`${resource}:${row.id}`, row.title)
  }
  return (resource, id) => titles.get(`${resource}:${Number(id)}`)
}
