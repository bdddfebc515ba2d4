import { Filter, flat, type ActionHandler, type RecordJSON } from 'adminjs'
import { fieldsOf, type ResourceDefinition } from '../../fields/model.js'
import { ListFilter, NOT_SET_FILTER, type AppResource, type ExtraFilter, type ListPage } from '../adapter/app-resource.js'
import { adminOf } from '../adminjs-internals/action-context.js'
import { listColumns, PAGE_SIZES, pageNumber, pageSize, queryableFields, refusingUnknownFields, searchText } from '../list-query.js'

export type ListQuery = { filters?: Record<string, unknown>; q?: unknown; columns?: unknown; sortBy?: string; direction?: string; page?: string; perPage?: string }
type SearchQuery = ListQuery & { searchProperty?: string }

/**
 * The list action of every AppResource: the same query parameters and response as AdminJS's own
 * list action (the list view cannot tell them apart), answered by `AppResource.listPage`, which
 * is built for tables of a million rows. A page or page size that is not a positive number falls
 * back to the first page / the default size instead of reaching the database, a page number past
 * MAX_PAGE is a 400; a page holds at most MAX_PER_PAGE rows; a filter or sort the list does not
 * offer is a 400 naming the field.
 * `q=` is the search box's text (the fields marked `search: true`), `columns=a,b` the columns the
 * user chose (any the list may show; see listColumns).
 */
export const listRecords: ActionHandler<ListPage | { error: string }> = refusingUnknownFields<ListPage>(async (request, _response, context) => {
  const resource = context.resource as AppResource
  const { filters = {}, q, columns, sortBy, direction, page, perPage } = flat.unflatten(request.query ?? {}) as ListQuery
  return resource.listPage(
    new ListFilter(filters, resource, searchText(q)),
    {
      page: pageNumber(page),
      perPage: pageSize(perPage, adminOf(context)?.options.settings?.defaultPerPage ?? 10),
      columns: listColumns(resource.definitionOf(), columns),
      ...listSort(resource, { sortBy, direction }),
    },
    context,
  )
})

/**
 * The search action of every AppResource (reference selects type into it): AdminJS's own search,
 * with its page size capped and its search, filter and sort fields limited to those the list offers.
 */
export const searchRecords: ActionHandler<{ records: RecordJSON[] } | { error: string }> = refusingUnknownFields(async (request, _response, context) => {
  const resource = context.resource as AppResource
  const decorated = resource.decorate()
  const { searchProperty, sortBy, direction, filters = {}, perPage, page } = flat.unflatten(request.query ?? {}) as SearchQuery
  const searchBy = searchProperty ?? decorated.titleProperty().name()
  const typed = request.params?.query
  if (typed) resource.assertListQuery({ searchBy })
  const limit = pageSize(perPage, 50)
  const records = await resource.find(
    new Filter({ ...filters, ...(typed && { [searchBy]: typed }) }, resource),
    {
      limit,
      offset: (pageNumber(page) - 1) * limit,
      sort: { sortBy: sortBy || decorated.options.sort?.sortBy || searchBy, direction: (direction || decorated.options.sort?.direction) === 'desc' ? 'desc' : 'asc' },
    },
    context,
  )
  return { records: records.map((record) => record.toJSON(context.currentAdmin)) }
})

/** The list's sort for a query: the requested one, else the resource's default, else its first sortable column. */
export function listSort(resource: AppResource, { sortBy, direction }: Pick<ListQuery, 'sortBy' | 'direction'>) {
  const decorated = resource.decorate()
  const defaults: { sortBy?: string; direction?: string } = decorated.options.sort ?? {}
  const firstSortable = decorated.getListProperties().find((property) => property.isSortable())?.name()
  return {
    sortBy: sortBy || defaults.sortBy || firstSortable,
    direction: ((direction || defaults.direction || 'asc') === 'asc' ? 'asc' : 'desc') as 'asc' | 'desc',
  }
}

/**
 * The list page's own options (see components/ListPage.jsx and its parts): one component draws the whole page
 * (search box, filter chips and drawer, page size, column chooser, selection, phone cards), so
 * AdminJS's header, filter button and drawer are not drawn. `custom` tells it, from the
 * definition, what it may offer: the searchable fields (the box's placeholder), the columns a user
 * may choose, the sortable ones, the filters that take "Not set", and the page sizes.
 */
export function listView(
  definition: ResourceDefinition,
  component: string,
  { extraFilters = {}, filterHints = {} }: { extraFilters?: Record<string, ExtraFilter>; filterHints?: Record<string, string> } = {},
) {
  const { searchable, listable, sortable, filterable } = queryableFields(definition)
  const notSet = fieldsOf(definition)
    .filter(([name, def]) => filterable.has(name) && !def.required && def.default === undefined)
    .map(([name]) => name)
  return {
    component,
    showFilter: false,
    hideActionHeader: true,
    custom: {
      searchable,
      listable,
      sortable: [...sortable],
      notSet,
      pageSizes: PAGE_SIZES,
      notSetValue: NOT_SET_FILTER,
      extraFilters: Object.entries(extraFilters).map(([name, { label, options, default: byDefault }]) => ({ name, label, options, default: byDefault })),
      filterHints,
    },
  }
}

/** Resource-level buttons (Export, Import, Edit all matching) belong to the list: not on these pages. */
export const WITHOUT_RESOURCE_ACTIONS = { showResourceActions: false } as const
