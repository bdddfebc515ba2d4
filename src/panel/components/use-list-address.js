import { useMemo } from 'react'
import { useLocation, useNavigate } from 'react-router'

// The list's state lives in the page address (filters.*, q, sortBy, direction, perPage, page), so a
// list can be bookmarked, shared and come back to with the browser's Back button.

/** The address keys that make the list what it is (the page number aside). */
export const isListKey = (key) => key.startsWith('filters.') || ['q', 'sortBy', 'direction', 'perPage'].includes(key)

/** The list's query from the page address: filters, search, sort, page size, page. */
function parseQuery(search) {
  const params = new URLSearchParams(search)
  const filters = {}
  for (const [key, value] of params) if (key.startsWith('filters.')) filters[key.slice('filters.'.length)] = value
  return { params, filters, q: params.get('q') ?? '', page: Number(params.get('page')) || 1 }
}

/**
 * Reads the list's query from the address and changes it. `onLeaveMatching` runs before every
 * change: "All N matching" was chosen for the list as it was, never for the next one.
 */
export function useListAddress(onLeaveMatching) {
  const location = useLocation()
  const navigate = useNavigate()
  const { params, filters, q } = useMemo(() => parseQuery(location.search), [location.search])

  const go = (changes, { keepPage = false } = {}) => {
    const next = new URLSearchParams(location.search)
    next.delete('refresh')
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === null || value === '') next.delete(key)
      else next.set(key, value)
    }
    if (!keepPage) next.delete('page')
    onLeaveMatching()
    navigate({ pathname: location.pathname, search: `?${next}` })
  }
  const setFilters = (nextFilters) => {
    const next = new URLSearchParams(location.search)
    for (const key of [...next.keys()]) if (key.startsWith('filters.')) next.delete(key)
    for (const [key, value] of Object.entries(nextFilters)) next.set(`filters.${key}`, value)
    next.delete('page')
    next.delete('refresh')
    onLeaveMatching()
    navigate({ pathname: location.pathname, search: `?${next}` })
  }
  const clearAll = () => {
    const next = new URLSearchParams(location.search)
    for (const key of [...next.keys()]) if (key.startsWith('filters.') || key === 'q' || key === 'page') next.delete(key)
    onLeaveMatching()
    navigate({ pathname: location.pathname, search: `?${next}` })
  }
  // A sort link's own address, so it also works as a link (open in a new tab, copy).
  const sortSearch = (path, nextDirection) => {
    const next = new URLSearchParams(location.search)
    next.set('sortBy', path)
    next.set('direction', nextDirection)
    next.delete('page')
    return next.toString()
  }
  return { params, filters, q, go, setFilters, clearAll, sortSearch, navigate }
}
