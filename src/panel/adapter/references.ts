import type { ActionContext, BaseResource } from 'adminjs'
import type { Context } from './actor-writes.js'

// Owns the titles of referenced rows: where a page row carries them, the per-request memory of
// referenced rows already read (keyed on AdminJS's action context), and the look-up by records.

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
