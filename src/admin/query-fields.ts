import { Filter } from 'adminjs'

/**
 * Which fields a list query (filters.<field>=, sortBy=) may name: only stored, non-secret
 * attributes. Anything else is refused with a message naming the field, rather than ignored or
 * failing inside the query. Shared by every route that takes the list's query.
 */

export type QueryRefusal = { field: string; message: string }

export type QueryableFields = { readable: readonly string[]; secret: readonly string[] }

export function refusedQueryField(
  query: { filters?: Record<string, unknown>; sortBy?: unknown },
  fields: QueryableFields,
): QueryRefusal | undefined {
  const refusal = (field: string, use: 'filter by' | 'sort by'): QueryRefusal | undefined => {
    if (fields.readable.includes(field)) return undefined
    if (fields.secret.includes(field)) return { field, message: `The list cannot ${use} "${field}": it is a secret field` }
    return { field, message: `The list cannot ${use} "${field}": there is no such field` }
  }
  // The keys the list's Filter works with (`createdAt~~from` becomes `createdAt`).
  for (const field of Object.keys(Filter.normalizeKeys(query.filters ?? {}))) {
    const refused = refusal(field, 'filter by')
    if (refused) return refused
  }
  if (query.sortBy !== undefined && query.sortBy !== '') {
    if (typeof query.sortBy !== 'string') return { field: String(query.sortBy), message: 'sortBy must name one field' }
    return refusal(query.sortBy, 'sort by')
  }
  return undefined
}
