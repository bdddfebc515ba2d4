import { Filter, FORM_VALUE_NULL, type BaseResource } from 'adminjs'
import { fn, literal, Op, where, type WhereOptions } from 'sequelize'
import { kinds, type FieldDef, type FilterMatch } from '../../fields/kinds.js'
import { columnName, SEARCH_SEPARATOR, SEARCH_TEXT_COLUMN, searchableFields, searchTextSql, type ResourceDefinition } from '../../fields/model.js'
import { escapeLike, wordChunksPattern } from '../../db/like-patterns.js'

export { escapeLike }

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
  if (!over) searchOverByDefinition.set(definition, (over = { searchable: searchableFields(definition), combined: searchTextSql(definition) && `"${SEARCH_TEXT_COLUMN}"` }))
  return over
}

/**
 * The search box's condition: the text as a case-insensitive substring of any searchable field.
 * With several fields, one LIKE over the stored, lower-cased search text (SEARCH_TEXT_COLUMN, served
 * by its one trigram index); a text holding the separator could match across two fields there, so
 * it is looked for field by field instead (ILIKE on each, served by each column's trigram index).
 * `forScan`: written for a pass that reads every match through the index (see containing).
 */
export function searchCondition(text: string, definition: ResourceDefinition, forScan = false): WhereOptions | undefined {
  if (!text) return undefined
  const { searchable, combined } = searchOver(definition)
  if (!searchable.length) return MATCHES_NOTHING
  if (combined && !text.includes(SEARCH_SEPARATOR)) return containing({ lowerCased: combined }, text, forScan)
  return { [Op.or]: searchable.map((attribute) => containing({ attribute }, text, forScan)) }
}

/**
 * `… ILIKE '%text%'` (the text matched literally, in any case) on an attribute's column, or
 * `… LIKE lower('%text%')` on SQL over the row's columns that is lower-cased already (what ILIKE
 * does to both sides, without lower-casing the row's text again at every match). `forScan` writes it, with the same matches, for a pass that reads every
 * match through a trigram index (the list's count, TableReader.pageAndTotal). pg_trgm asks the index
 * for every trigram of the pattern, those of each word's edges too ("ic ", "  p", " pa" for
 * `%nordic par%`), whose posting lists are long wherever many values share a word's first letters:
 * reading them was most of a search's index time at 1M clients (issue #26). So the index is asked
 * for the text's word chunks only (wordChunksPattern: a `%` next to a chunk adds no edge trigram),
 * and the text as typed is checked on each row found, over `sql || ''`, which no index matches, so
 * the planner cannot put its trigrams back into the index scan. Not the form to plan with: there are
 * no statistics for that expression, and the planner would expect far fewer rows than match.
 */
export function containing(on: { attribute: string } | { lowerCased: string }, text: string, forScan = false): WhereOptions {
  // `sql`: what is matched instead of the attribute's column or the lower-cased SQL itself.
  const matches = (pattern: string, sql?: string): WhereOptions => {
    if ('lowerCased' in on) return where(literal(sql ?? on.lowerCased), Op.like, fn('lower', pattern))
    return sql ? where(literal(sql), Op.iLike, pattern) : { [on.attribute]: { [Op.iLike]: pattern } }
  }
  const pattern = `%${escapeLike(text)}%`
  const chunks = forScan ? wordChunksPattern(text) : undefined
  if (!chunks) return matches(pattern)
  // Unqualified: the counting pass reads one table.
  const sql = 'attribute' in on ? `"${columnName(on.attribute)}"` : on.lowerCased
  return { [Op.and]: [matches(chunks), matches(pattern, `(${sql} || '')`)] }
}

/** Columns every record has besides its fields, filtered by a typed value (the creation time filters as a range: inRange). */
const RECORD_COLUMNS: Record<string, FilterMatch> = { id: 'wholeNumber' }

const MATCHES_NOTHING: WhereOptions = { id: null }

function matching(name: string, value: string | number, match: FilterMatch, forScan: boolean): WhereOptions | undefined {
  switch (match) {
    case 'contains':
      return typeof value === 'string' ? containing({ attribute: name }, value, forScan) : { [name]: value }
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

/**
 * The conditions of a list's filters (already checked against what the list offers, see list-query.ts).
 * `forScan`: written for a pass that reads every match through the indexes (see containing).
 */
export function filterConditions(filter: Filter | undefined, fields: Map<string, FieldDef>, forScan = false): WhereOptions[] {
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
      const condition = matching(name, value, match, forScan)
      if (condition) conditions.push(condition)
    }
  }
  return conditions
}
