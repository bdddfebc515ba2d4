import type { ActionContext, BaseRecord, BaseResource, PropertyDecorator } from 'adminjs'
import type { Context } from './actor-writes.js'

// Owns the titles of referenced rows: where a page row carries them, the per-request memory of
// referenced rows already read (keyed on AdminJS's action context), and a list page's reference titles.

/** Where a page row carries a reference's title (a computed column's alias prefix). */
export const TITLE_OF = '__titleOf.'

/** Per request (its action context): referenced rows already read, by resource and id (see AppResource.findOne). */
const knownReferences = new WeakMap<object, Map<string, Map<string, Record<string, unknown>>>>()

/** Remembers a referenced row (its id and title) for the rest of this request. */
export function rememberReference(context: object, resourceId: string, row: Record<string, unknown>) {
  const byResource = knownReferences.get(context) ?? new Map<string, Map<string, Record<string, unknown>>>()
  knownReferences.set(context, byResource)
  const known = byResource.get(resourceId) ?? new Map<string, Record<string, unknown>>()
  byResource.set(resourceId, known)
  known.set(String(row.id), row)
}

/** The remembered rows of these ids, or undefined unless every one of them is remembered. */
export function rememberedReferences(context: Context, resourceId: string, ids: Array<string | number>) {
  const known = context ? knownReferences.get(context)?.get(resourceId) : undefined
  if (!known || !ids.length || !ids.every((id) => known.has(String(id)))) return undefined
  return ids.map((id) => known.get(String(id))!)
}

/** Titles by id through the resource's own records (for a resource whose title is not a stored column). */
export async function titlesFromRecords(resource: BaseResource, ids: Array<string | number>, context?: Context) {
  const records = await resource.findMany(ids, context as ActionContext)
  return new Map(records.map((record) => [String(record.id()), String(resource.decorate().titleOf(record))]))
}

/**
 * The titles a list page's reference columns show, per row: from the page's own computed columns
 * where it has them (`inline`: path → subquery), else one look-up of `titlesOf` per reference.
 */
export async function referenceTitles(
  records: BaseRecord[],
  rows: Record<string, unknown>[],
  references: PropertyDecorator[],
  inline: Map<string, string>,
  titlesOf: (target: BaseResource, ids: Array<string | number>) => Promise<Map<string, unknown>>,
): Promise<Record<string, unknown>[]> {
  const populated = records.map(() => ({}) as Record<string, unknown>)
  await Promise.all(
    references.map(async (property) => {
      const path = property.propertyPath
      const ids = [...new Set(records.map((record) => record.params[path]).filter((id) => id !== null && id !== undefined))] as Array<string | number>
      if (!ids.length) return
      const titles = inline.has(path)
        ? new Map(rows.map((row) => [String(row[path]), row[`${TITLE_OF}${path}`]] as const).filter(([, title]) => title !== null && title !== undefined))
        : await titlesOf(property.reference()!, ids)
      records.forEach((record, i) => {
        const id = String(record.params[path])
        const title = titles.get(id)
        // What the list's reference cell reads: the title (a link only with a "show" action).
        if (title !== undefined) populated[i][path] = { id, title: String(title), recordActions: [] }
      })
    }),
  )
  return populated
}
