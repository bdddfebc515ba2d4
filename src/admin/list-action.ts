import { Filter, flat, type ActionHandler } from 'adminjs'
import type { AppResource, ListPage } from './app-resource.js'

/** As in AdminJS's own list action. */
const PER_PAGE_LIMIT = 500

export type ListQuery = { filters?: Record<string, unknown>; sortBy?: string; direction?: string; page?: string; perPage?: string }

/**
 * The list action of every AppResource: the same query parameters and response as AdminJS's own
 * list action (the list view cannot tell them apart), answered by `AppResource.listPage`, which
 * is built for tables of a million rows. A page or page size that is not a positive number falls
 * back to the first page / the default size instead of reaching the database.
 */
export const listRecords: ActionHandler<ListPage> = async (request, _response, context) => {
  const resource = context.resource as AppResource
  const { filters = {}, sortBy, direction, page, perPage } = flat.unflatten(request.query ?? {}) as ListQuery
  const positive = (value: unknown) => (Number.isInteger(Number(value)) && Number(value) > 0 ? Number(value) : undefined)
  return resource.listPage(
    new Filter(filters, resource),
    {
      page: positive(page) ?? 1,
      perPage: Math.min(PER_PAGE_LIMIT, positive(perPage) ?? context._admin.options.settings?.defaultPerPage ?? 10),
      ...listSort(resource, { sortBy, direction }),
    },
    context,
  )
}

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
