import { Filter, FORM_VALUE_NULL, type BaseResource } from 'adminjs'
import { literal, Op, where, type WhereOptions } from 'sequelize'
import { kinds, type FieldDef, type FilterMatch } from '../../fields/kinds.js'
import { SEARCH_SEPARATOR, searchableFields, searchTextSql, type ResourceDefinition } from '../../fields/model.js'

// Owns the translation of a list's filters (AdminJS's Filter) into Sequelize conditions: each
// field filters as its kind declares (kinds.ts `filter`), plus "not set" and the creation-time range.

/**
 * A filter value that matches records where an optional field has no value (`filters.currency=…`):
 * AdminJS's own marker for "no value" in forms.
 */
export const NOT_SET_FILTER = FORM_VALUE_NULL

/**
 * A list's filters and the text of its search box (`q=`): AdminJS's Filter, which every read path
 * (list, count, bulk edit's all-matching, export) already passes along, carrying the search too.
 */
export class ListFilter extends Filter {
  constructor(
    filters: Record<string, unknown> | undefined,
    resource: BaseResource,
    readonly search = '',
  ) {
    super(filters as ConstructorParameters<typeof Filter>[0], resource)
  }
}

/** The search text of a filter ('' for none). */
export const searchOf = (filter: Filter | undefined) => (filter instanceof ListFilter ? filter.search : '')

// Definitions are fixed at start-up: what a search looks into is worked out once per definition.
const searchOverByDefinition = new WeakMap<ResourceDefinition, { searchable: string[]; combined: string | undefined }>()
function searchOver(definition: ResourceDefinition) {
  let over = searchOverByDefinition.get(definition)
  if (!over) searchOverByDefinition.set(definition, (over = { searchable: searchableFields(definition), combined: searchTextSql(definition) }))
  return over
}

/**
 * The search box's condition: the text as a case-insensitive substring of any searchable field.
 * With several fields, one ILIKE over the definition's search text (searchTextSql, served by its
 * one trigram index); a text holding the separator could match across two fields there, so it is
 * looked for field by field instead (ILIKE on each, served by each column's trigram index).
 */
export function searchCondition(text: string, definition: ResourceDefinition): WhereOptions | undefined {
  if (!text) return undefined
  const { searchable, combined } = searchOver(definition)
  if (!searchable.length) return MATCHES_NOTHING
  const pattern = `%${escapeLike(text)}%`
  if (combined && !text.includes(SEARCH_SEPARATOR)) return where(literal(`(${combined})`), Op.iLike, pattern)
  return { [Op.or]: searchable.map((name) => ({ [name]: { [Op.iLike]: pattern } })) }
}

/** Makes user input match literally inside a LIKE/ILIKE pattern. */
export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Columns every record has besides its fields, filtered by a typed value (the creation time filters as a range: inRange). */
const RECORD_COLUMNS: Record<string, FilterMatch> = { id: 'wholeNumber' }

const MATCHES_NOTHING: WhereOptions = { id: null }

function matching(name: string, value: string | number, match: FilterMatch): WhereOptions | undefined {
  switch (match) {
    case 'contains':
      return typeof value === 'string' ? { [name]: { [Op.iLike]: `%${escapeLike(value)}%` } } : { [name]: value }
    case 'yesNo':
      return value === 'true' || value === 'false' ? { [name]: value === 'true' } : undefined
    case 'wholeNumber':
      // Nothing matches a non-number; never a 500.
      return /^\d+$/.test(String(value)) ? { [name]: Number(value) } : { [name]: null }
    case 'equals':
      return { [name]: value }
  }
}

/** Only the creation time is offered as a range; a bound that is not a date matches nothing rather than reaching the database as an error. */
function inRange(name: string, { from, to }: { from?: unknown; to?: unknown }): WhereOptions {
  const isDate = (bound: unknown) => typeof bound === 'string' && bound !== '' && !Number.isNaN(Date.parse(bound))
  const bounds = [from, to].filter((bound) => bound !== undefined && bound !== '')
  if (name !== 'createdAt' || !bounds.every(isDate)) return MATCHES_NOTHING
  const iso = (bound: unknown) => new Date(bound as string).toISOString()
  return { [name]: { ...(isDate(from) && { [Op.gte]: iso(from) }), ...(isDate(to) && { [Op.lte]: iso(to) }) } }
}

/** The conditions of a list's filters (already checked against what the list offers, see list-query.ts). */
export function filterConditions(filter: Filter | undefined, fields: Map<string, FieldDef>): WhereOptions[] {
  const conditions: WhereOptions[] = []
  for (const [name, element] of Object.entries(filter?.filters ?? {})) {
    const def = fields.get(name)
    const value = element.value as unknown
    if (value === NOT_SET_FILTER && def && !def.required) {
      conditions.push({ [name]: null })
    } else if (typeof value === 'object' && value !== null && ('from' in value || 'to' in value)) {
      conditions.push(inRange(name, value))
    } else if (typeof value !== 'string' && typeof value !== 'number') {
      conditions.push(MATCHES_NOTHING) // a nested object or list is no value of any field
    } else {
      const declared = def ? kinds[def.kind].filter : RECORD_COLUMNS[name]
      // A value picked from a list of choices is matched exactly, not as a part of the text.
      const match = declared === 'contains' && (def?.options || def?.references) ? 'equals' : (declared ?? 'equals')
      const condition = matching(name, value, match)
      if (condition) conditions.push(condition)
    }
  }
  return conditions
}
