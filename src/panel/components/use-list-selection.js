import { useEffect, useMemo, useState } from 'react'
import { useLocation } from 'react-router'

// The rows a person has ticked, kept across pages and a visit to a record (sessionStorage, per
// user and list, so never into another login), or "all N matching" the current query.

const selectionKey = (userId, resourceId) => `list-selection:${userId}:${resourceId}`

export function useListSelection({ userId, resourceId }) {
  const location = useLocation()
  const params = useMemo(() => new URLSearchParams(location.search), [location.search])
  const storageKey = selectionKey(userId, resourceId)
  const [selected, setSelected] = useState(() => {
    try {
      return new Set(JSON.parse(sessionStorage.getItem(storageKey) ?? '[]'))
    } catch {
      return new Set()
    }
  })
  const [allMatching, setAllMatching] = useState(false)

  useEffect(() => {
    sessionStorage.setItem(storageKey, JSON.stringify([...selected]))
  }, [selected, storageKey])
  // A finished bulk action comes back with refresh=true: its selection is done with.
  useEffect(() => {
    if (params.get('refresh')) {
      setSelected(new Set())
      setAllMatching(false)
    }
  }, [params])

  const toggleOne = (id) => {
    setAllMatching(false)
    setSelected((before) => {
      const next = new Set(before)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })
  }
  /** The "Select this page" box for the rows shown: ticked, empty or in between, and its toggle. */
  const pageSelection = (pageIds) => {
    const selectedOnPage = pageIds.filter((id) => selected.has(id)).length
    const pageState = selectedOnPage === 0 ? 'none' : selectedOnPage === pageIds.length ? 'all' : 'some'
    const togglePage = () => {
      setAllMatching(false)
      setSelected((before) => {
        const next = new Set(before)
        if (pageState === 'all') pageIds.forEach((id) => next.delete(id))
        else pageIds.forEach((id) => next.add(id))
        return next
      })
    }
    return { pageState, togglePage }
  }
  const clearSelection = () => {
    setSelected(new Set())
    setAllMatching(false)
  }
  return { selected, allMatching, setAllMatching, toggleOne, pageSelection, clearSelection }
}
