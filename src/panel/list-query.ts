import type { ActionHandler } from 'adminjs'
import { kinds } from '../fields/kinds.js'
import { fieldsOf, searchableFields, secretAttributes, type ResourceDefinition } from '../fields/model.js'

/**
 * What a list-like request (list, search, count, reference choices, history, export) may ask of a
 * resource: the fields it may filter, search and sort on, and how many rows one page may hold.
 * Anything else is refused by name, never silently ignored or passed to the database: a filter on a
 * secret would answer "match / no match" and let a binary search read the secret.
 */

/** The most rows any page of any list-like answer holds, whatever the request asks for. */
export const MAX_PER_PAGE = 100

/** A requested page size: a positive whole number, at most MAX_PER_PAGE; else the fallback. */
export function pageSize(requested: unknown, fallback: number): number {
  const asked = Number(requested)
  const size = Number.isInteger(asked) && asked > 0 ? asked : fallback
  return Math.min(size, MAX_PER_PAGE)
}

/**
 * The highest page number a list-like request may ask for. Any page past the last one is simply
 * empty; this only keeps the row offset a number the database takes (page=1e308 is not).
 */
export const MAX_PAGE = 1_000_000_000

export type ListUse = 'filter' | 'search' | 'sort' | 'list'

/** A list query that cannot be answered as asked. Answered as HTTP 400 with its message, naming `field`. */
export class ListQueryError extends Error {
  /** For Express-style error handlers: a client error whose message may be shown. */
  readonly status = 400
  readonly expose = true

  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
    this.name = 'ListQueryError'
  }
}

/** A filter, search or sort on a field the list does not offer. */
export class UnknownFieldError extends ListQueryError {
  constructor(
    field: string,
    readonly use: ListUse,
  ) {
    // A name is echoed short: a query can carry one of kilobytes, the answer need not.
    const named = field.length > 100 ? `${field.slice(0, 100)}…` : field
    super(use === 'list' ? `You cannot show ${named} in the list` : `You cannot ${use} by ${named}`, named)
    this.name = 'UnknownFieldError'
  }
}

/**
 * A requested page number: a positive whole number; anything else that is not one (absent, `abc`,
 * `0`, `-1`) is the first page, as the list has always read it. A number beyond MAX_PAGE, however
 * spelled (`1e308`), is refused with a ListQueryError rather than reaching the database.
 */
export function pageNumber(requested: unknown): number {
  const asked = Number(requested)
  if (asked > MAX_PAGE) throw new ListQueryError(`page must be a whole number from 1 to ${MAX_PAGE.toLocaleString('en')}`, 'page')
  return Number.isInteger(asked) && asked >= 1 ? asked : 1
}

/** Kinds whose values do not fit a list cell. */
const LONG_KINDS = new Set(['text', 'json'])

/** The most characters of a search the list takes (longer text is cut, not refused). */
export const MAX_SEARCH_LENGTH = 200

/** The search box's text from a request's `q` (a repeated `q` counts once): trimmed, '' for none. */
export function searchText(requested: unknown): string {
  const text = Array.isArray(requested) ? requested.find((item) => typeof item === 'string') : requested
  return typeof text === 'string' ? text.trim().slice(0, MAX_SEARCH_LENGTH) : ''
}

/** A page size the list's page-size menu offers (the same cap as every list-like answer). */
export const PAGE_SIZES = [10, 25, 50, 100] as const

type Queryable = { filterable: ReadonlySet<string>; sortable: ReadonlySet<string>; searchable: readonly string[]; listable: readonly string[] }
const queryableByDefinition = new WeakMap<ResourceDefinition, Queryable>()

/**
 * The fields a resource's list offers, from its definition: filters (and searches) on the fields
 * declared `filter: true` (of a kind that declares how it filters) and the creation time; sorting on
 * those, the listed columns and the id. Secrets, write-only inputs and kinds without an order are never offered.
 */
export function queryableFields(definition: ResourceDefinition): Queryable {
  const known = queryableByDefinition.get(definition)
  if (known) return known
  const secrets = new Set(secretAttributes(definition))
  const usable = fieldsOf(definition).filter(([name, def]) => !secrets.has(name) && !kinds[def.kind].virtual)
  const filterable = new Set([...usable.filter(([, def]) => def.filter && kinds[def.kind].filter).map(([name]) => name), 'createdAt'])
  const sortable = new Set([
    'id',
    'createdAt',
    ...usable.filter(([, def]) => (def.filter || def.list) && kinds[def.kind].sortable !== false).map(([name]) => name),
  ])
  // The search box looks into the fields marked `search: true` that filter as a substring.
  const searchable = searchableFields(definition)
  // The column chooser offers every stored field a cell can show in a line (not long texts or JSON).
  const listable = [...usable.filter(([, def]) => !LONG_KINDS.has(def.kind)).map(([name]) => name), 'createdAt']
  const queryable = { filterable, sortable, searchable, listable }
  queryableByDefinition.set(definition, queryable)
  return queryable
}

/** A filter key as a request spells it (`createdAt~~from`) → the field it filters on. */
const filteredField = (key: string) => key.replace(/~~(from|to)$/, '')

/**
 * Throws UnknownFieldError for the first filter, search or sort field the list does not offer.
 * `filters`: filter keys (flattened as in a query string, or as AdminJS's Filter holds them).
 */
export function assertListQuery(
  definition: ResourceDefinition,
  query: { filters?: Iterable<string>; searchBy?: string; sortBy?: string },
): void {
  const { filterable, sortable } = queryableFields(definition)
  if (query.searchBy !== undefined && !filterable.has(query.searchBy)) throw new UnknownFieldError(query.searchBy, 'search')
  for (const key of query.filters ?? []) {
    const field = filteredField(key)
    if (!filterable.has(field)) throw new UnknownFieldError(field, 'filter')
  }
  if (query.sortBy && !sortable.has(query.sortBy)) throw new UnknownFieldError(query.sortBy, 'sort')
}

/**
 * The columns a request asks a list to show (`columns=login,company`), each one the list may show;
 * undefined when none are asked for (the definition's own columns).
 */
export function listColumns(definition: ResourceDefinition, requested: unknown): string[] | undefined {
  if (requested === undefined || requested === '') return undefined
  const names = [...new Set(String(requested).split(',').map((name) => name.trim()).filter(Boolean))]
  const { listable } = queryableFields(definition)
  for (const name of names) if (!listable.includes(name)) throw new UnknownFieldError(name, 'list')
  return names.length ? names : undefined
}

/**
 * An action handler whose refused list query (ListQueryError: an unknown field, a page out of range)
 * answers HTTP 400 with a JSON body naming the problem, instead of failing the request as a server error.
 */
export function refusingUnknownFields<T>(handler: ActionHandler<T>): ActionHandler<T | { error: string }> {
  return async (request, response, context) => {
    try {
      return await handler(request, response, context)
    } catch (error) {
      if (!(error instanceof ListQueryError)) throw error
      ;(response as { status?: (code: number) => unknown } | undefined)?.status?.(400)
      return { error: error.message }
    }
  }
}
