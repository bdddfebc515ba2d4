import React, { useEffect, useMemo, useRef, useState } from 'react'
import { Box, Button, DrawerContent, DrawerFooter, Icon, MessageBox, Pagination, Text } from '@adminjs/design-system'
import { ActionButton, ApiClient, BasePropertyComponent, ViewHelpers, useCurrentAdmin, useTranslation } from 'adminjs'
import { useLocation, useNavigate } from 'react-router'

// The whole list page of every resource (the list action's component; AdminJS's header, filter
// button and drawer are off, see listView in src/panel/actions/list-action.ts): a search box (q=),
// the active filters as chips, the count line, page size and column chooser (remembered per user
// on the server), a selection kept across pages with "Select all N matching", and, at 600 px or
// less, each row as a card of labelled values. Everything is reachable by keyboard.

const api = new ApiClient()
const h = new ViewHelpers()
// Per user and list: a selection survives paging and a visit to a record, never another login.
const SELECTION_KEY = (userId, resourceId) => `list-selection:${userId}:${resourceId}`
const LIST_KEYS = (key) => key.startsWith('filters.') || ['q', 'sortBy', 'direction', 'perPage'].includes(key)
const HIDDEN_ACTIONS = new Set(['list', 'search', 'referenceChoices', 'new'])
const numberFormat = new Intl.NumberFormat('en-US')

const STYLE = `
.lp-toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 12px; }
.lp-search { flex: 1 1 240px; min-width: 0; display: flex; gap: 4px; }
.lp-search input { flex: 1; min-width: 0; height: 36px; padding: 0 10px; border: 1px solid #C0C0CA; border-radius: 4px; font-size: 14px; }
.lp-button { height: 36px; padding: 0 12px; border: 1px solid #C0C0CA; border-radius: 4px; background: #fff; color: #1C1C38; font-size: 14px; cursor: pointer; display: inline-flex; align-items: center; gap: 4px; text-decoration: none; white-space: nowrap; }
.lp-button.primary { background: #3040D6; border-color: #3040D6; color: #fff; }
.lp-button:disabled { opacity: .5; cursor: default; }
.lp-select { height: 36px; border: 1px solid #C0C0CA; border-radius: 4px; padding: 0 6px; font-size: 14px; background: #fff; }
.lp-page :focus-visible { outline: 3px solid #3040D6; outline-offset: 2px; }
.lp-page .lp-menu-list :focus-visible { outline-offset: -3px; }
.lp-chips { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 8px; }
.lp-chip { display: inline-flex; align-items: center; gap: 6px; padding: 4px 6px 4px 10px; border-radius: 14px; background: #E8EBFB; color: #1C1C38; font-size: 13px; }
.lp-chip button { border: 0; background: transparent; cursor: pointer; font-size: 16px; line-height: 1; padding: 0 4px; border-radius: 8px; }
.lp-link { border: 0; background: transparent; color: #3040D6; cursor: pointer; font-size: 13px; text-decoration: underline; padding: 2px 4px; }
.lp-count { color: #454655; font-size: 14px; margin: 4px 0 8px; }
.lp-table { width: 100%; border-collapse: collapse; background: #fff; font-size: 14px; }
.lp-table th { text-align: left; font-weight: 600; padding: 10px 8px; border-bottom: 1px solid #E0E0E6; white-space: nowrap; }
.lp-table td { padding: 8px; border-bottom: 1px solid #EEEEF2; vertical-align: top; }
.lp-table tbody tr { cursor: pointer; }
.lp-table tbody tr:hover { background: #F6F7FD; }
.lp-table tbody tr.selected { background: #EEF0FC; }
.lp-th-sort { font: inherit; cursor: pointer; color: inherit; text-decoration: none; }
.lp-check { display: inline-flex; padding: 2px; cursor: pointer; }
.lp-menu { position: relative; display: inline-block; }
.lp-menu-list { position: absolute; right: 0; z-index: 20; background: #fff; border: 1px solid #C0C0CA; border-radius: 4px; box-shadow: 0 4px 12px rgba(0,0,0,.12); min-width: 160px; padding: 4px 0; max-height: 360px; overflow-y: auto; }
.lp-menu-list a, .lp-menu-list button, .lp-menu-list label { display: flex; gap: 8px; width: 100%; box-sizing: border-box; padding: 8px 12px; border: 0; background: transparent; text-align: left; font-size: 14px; color: #1C1C38; text-decoration: none; cursor: pointer; }
.lp-menu-list .lp-menu-first-filter { border-top: 1px solid #E0E0E6; }
.lp-menu-list a:hover, .lp-menu-list button:hover, .lp-menu-list label:hover { background: #F0F1F9; }
.lp-selection { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px; margin-bottom: 8px; background: #EEF0FC; border-radius: 4px; font-size: 14px; }
.lp-empty { padding: 32px 16px; text-align: center; background: #fff; }
.lp-drawer-backdrop { position: fixed; inset: 0; background: rgba(0,0,0,.25); z-index: 50; }
.lp-drawer { position: fixed; top: 0; right: 0; bottom: 0; width: min(420px, 100vw); background: #fff; z-index: 51; display: flex; flex-direction: column; box-shadow: -4px 0 16px rgba(0,0,0,.15); }
.lp-drawer-body { flex: 1; overflow-y: auto; padding: 16px 20px; }
.lp-drawer-footer { padding: 12px 20px; border-top: 1px solid #E0E0E6; display: flex; gap: 8px; flex-wrap: wrap; }
.lp-not-set { display: flex; align-items: center; gap: 6px; font-size: 13px; margin: -8px 0 16px; }
.lp-card-label, .lp-phone-only { display: none; }
@media (max-width: 600px) {
  .lp-page { max-width: 100vw; overflow-x: hidden; }
  .lp-table, .lp-table tbody, .lp-table tr, .lp-table td { display: block; width: 100%; box-sizing: border-box; }
  /* The head becomes one wrapped line: "Select page" (and so "Select all N matching") and the sort links. */
  .lp-table thead { display: block; }
  .lp-table thead tr { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 4px 0 10px; }
  .lp-table thead th { display: none; border: 0; padding: 2px 0; font-weight: 400; }
  .lp-table thead th.lp-th-select, .lp-table thead th[aria-sort] { display: block; width: auto !important; }
  .lp-table thead th.lp-phone-only { display: block; color: #6B6B80; font-size: 13px; }
  .lp-table thead th[aria-sort] .lp-th-sort { display: inline-block; padding: 2px 10px; border: 1px solid #C0C0CA; border-radius: 12px; background: #fff; font-size: 13px; }
  .lp-check .lp-phone-only { display: inline; margin-left: 6px; }
  .lp-table tbody tr { position: relative; border: 1px solid #E0E0E6; border-radius: 6px; margin-bottom: 10px; padding: 6px 4px; background: #fff; }
  .lp-table td { border: 0; padding: 4px 8px; display: flex; gap: 8px; overflow-wrap: anywhere; }
  .lp-card-label { display: block; flex: 0 0 40%; color: #6B6B80; font-size: 13px; }
  .lp-table td.lp-cell-select, .lp-table td.lp-cell-actions { display: inline-flex; width: auto; }
  .lp-table td.lp-cell-actions { position: absolute; top: 4px; right: 4px; padding: 0; }
  .lp-toolbar .lp-search { flex-basis: 100%; }
}
`

/** The list's query from the page address: filters, search, sort, page size, page. */
function parseQuery(search) {
  const params = new URLSearchParams(search)
  const filters = {}
  for (const [key, value] of params) if (key.startsWith('filters.')) filters[key.slice('filters.'.length)] = value
  return { params, filters, q: params.get('q') ?? '', page: Number(params.get('page')) || 1 }
}

function useOutsideClose(open, setOpen) {
  const ref = useRef(null)
  useEffect(() => {
    if (!open) return undefined
    const onDown = (event) => {
      if (ref.current && !ref.current.contains(event.target)) setOpen(false)
    }
    const onKey = (event) => {
      if (event.key === 'Escape') {
        setOpen(false)
        ref.current?.querySelector('[aria-haspopup]')?.focus()
      }
    }
    document.addEventListener('mousedown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('mousedown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])
  return ref
}

const MENU_ITEMS = 'a, button, input, select'

/**
 * A button that opens a small menu (row actions, columns); Esc or a click elsewhere closes it. Opened
 * from the keyboard it takes the focus to its first item, and the arrow keys (Home, End) move
 * between items, as menus do everywhere else.
 */
function Menu({ label, title, children, testId }) {
  const [open, setOpen] = useState(false)
  const [byKeyboard, setByKeyboard] = useState(false)
  const ref = useOutsideClose(open, setOpen)
  const items = () => [...(ref.current?.querySelectorAll(`.lp-menu-list ${MENU_ITEMS.split(', ').join(', .lp-menu-list ')}`) ?? [])]
  useEffect(() => {
    if (open && byKeyboard) items()[0]?.focus()
  }, [open, byKeyboard])
  const onKeyDown = (event) => {
    event.stopPropagation()
    if (event.key === 'Escape' && open) {
      setOpen(false)
      ref.current?.querySelector('[aria-haspopup]')?.focus()
      return
    }
    // AdminJS renders an action that runs in place (Delete) as a link without an address, which
    // neither takes the focus nor answers Enter by itself.
    if ((event.key === 'Enter' || event.key === ' ') && event.target.matches?.('a[role=menuitem]:not([href])')) {
      event.preventDefault()
      event.target.click()
      return
    }
    if (!open || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return
    const all = items()
    if (!all.length) return
    event.preventDefault()
    const at = all.indexOf(document.activeElement)
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[event.key]
    all[(next + all.length) % all.length].focus()
  }
  return (
    <span className="lp-menu" ref={ref} onClick={(event) => event.stopPropagation()} onKeyDown={onKeyDown}>
      <button
        type="button"
        className="lp-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={title}
        title={title}
        // A click from Enter or Space has no pointer position (detail 0).
        onClick={(event) => {
          setByKeyboard(event.detail === 0)
          setOpen(!open)
        }}
        data-testid={testId}
      >
        {label}
      </button>
      {/* Kept in the page while closed (hidden), so the row's actions are there to be found. */}
      <div className="lp-menu-list" role="menu" hidden={!open}>
        {typeof children === 'function' ? children(() => setOpen(false)) : children}
      </div>
    </span>
  )
}

/** The filter drawer: the list's filter fields (AdminJS's own inputs), "Not set" beside optional ones. */
function FilterDrawer({ resource, custom, filters, onApply, onClose }) {
  const [pending, setPending] = useState(filters)
  const { translateProperty } = useTranslation()
  const first = useRef(null)
  useEffect(() => {
    first.current?.querySelector('input, button, select')?.focus()
    const onKey = (event) => {
      if (event.key === 'Escape') onClose()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])
  const notSet = new Set(custom.notSet ?? [])
  // Optional fields first that take "Not set" (currency first among them), then the rest.
  const properties = [...resource.filterProperties].sort((a, b) => Number(notSet.has(b.propertyPath)) - Number(notSet.has(a.propertyPath)))
  const change = (propertyOrPath, value) => {
    const path = typeof propertyOrPath === 'string' ? propertyOrPath : propertyOrPath.propertyPath
    setPending((before) => {
      const next = { ...before }
      if (typeof value === 'object' && value !== null) {
        for (const key of Object.keys(next)) if (key.startsWith(`${path}~~`)) delete next[key]
        for (const [bound, boundValue] of Object.entries(value)) if (boundValue) next[`${path}~~${bound}`] = boundValue
      } else if (value === '' || value === undefined || value === null) delete next[path]
      else next[path] = value
      return next
    })
  }
  const filterRecord = { params: pending, populated: {}, errors: {}, id: '', recordActions: [], bulkActions: [] }
  return (
    <>
      <div className="lp-drawer-backdrop" onClick={onClose} />
      <div className="lp-drawer" role="dialog" aria-modal="true" aria-label="Filter" data-testid="filter-drawer">
        <form
          style={{ display: 'contents' }}
          onSubmit={(event) => {
            event.preventDefault()
            onApply(pending)
          }}
        >
          <div className="lp-drawer-body" ref={first}>
            <Text as="h3" fontSize="lg" fontWeight="bold" mb="lg">
              Filter
            </Text>
            {(custom.extraFilters ?? []).map((extra) => (
              <Box key={extra.name} mb="xl" data-testid={`filter-${extra.name}`}>
                <label style={{ display: 'block', fontSize: 12, fontWeight: 600, marginBottom: 8 }} htmlFor={`filter-extra-${extra.name}`}>
                  {extra.label}
                </label>
                <select
                  id={`filter-extra-${extra.name}`}
                  className="lp-select"
                  style={{ width: '100%' }}
                  value={pending[extra.name] ?? extra.default ?? ''}
                  onChange={(event) => change(extra.name, event.target.value === extra.default ? '' : event.target.value)}
                >
                  {extra.options.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </select>
              </Box>
            ))}
            {properties.map((property) => {
              const isNotSet = pending[property.propertyPath] === custom.notSetValue
              return (
                <Box key={property.propertyPath} data-testid={`filter-${property.propertyPath}`}>
                  {isNotSet ? (
                    <Text mb="sm" fontWeight="bold">
                      {translateProperty(property.label, resource.id)}
                    </Text>
                  ) : (
                    <BasePropertyComponent where="filter" onChange={change} property={property} filter={pending} resource={resource} record={filterRecord} />
                  )}
                  {custom.filterHints?.[property.propertyPath] ? (
                    <Text variant="sm" mt="-8px" mb="lg" color="grey60">
                      {custom.filterHints[property.propertyPath]}
                    </Text>
                  ) : null}
                  {notSet.has(property.propertyPath) ? (
                    <label className="lp-not-set">
                      <input
                        type="checkbox"
                        checked={isNotSet}
                        data-testid={`not-set-${property.propertyPath}`}
                        onChange={(event) => change(property.propertyPath, event.target.checked ? custom.notSetValue : '')}
                      />
                      Not set
                    </label>
                  ) : null}
                </Box>
              )
            })}
          </div>
          <div className="lp-drawer-footer">
            <button type="submit" className="lp-button primary" data-testid="filter-apply">
              Apply filters
            </button>
            <button type="button" className="lp-button" onClick={() => setPending({})}>
              Reset
            </button>
            <button type="button" className="lp-button" onClick={onClose}>
              Close
            </button>
          </div>
        </form>
      </div>
    </>
  )
}

const ListPage = ({ resource, action }) => {
  const location = useLocation()
  const navigate = useNavigate()
  const { translateLabel, translateProperty, translateAction } = useTranslation()
  const custom = action.custom ?? {}
  const [currentAdmin] = useCurrentAdmin()
  const selectionKey = SELECTION_KEY(currentAdmin?.id ?? '', resource.id)
  const { params, filters, q } = useMemo(() => parseQuery(location.search), [location.search])
  const plural = translateLabel(resource.id).toLowerCase()
  const [preferences, setPreferences] = useState(null)
  const [data, setData] = useState(null)
  const [allTotal, setAllTotal] = useState(null)
  const [failure, setFailure] = useState(null)
  const [loading, setLoading] = useState(false)
  const [searchText, setSearchText] = useState(q)
  const [filtersOpen, setFiltersOpen] = useState(false)
  const [selected, setSelected] = useState(() => {
    try {
      return new Set(JSON.parse(sessionStorage.getItem(selectionKey) ?? '[]'))
    } catch {
      return new Set()
    }
  })
  const [allMatching, setAllMatching] = useState(false)
  // Bumped after a row action (a delete) to read the page again.
  const [reload, setReload] = useState(0)
  const headerBox = useRef(null)
  const filterButton = useRef(null)
  const page = useRef(null)
  // What takes the focus once the next render is there (a chip just added, the actions that appear
  // with "Select all N matching"), so a keyboard user goes on from where they were.
  const [focusNext, setFocusNext] = useState(null)
  useEffect(() => {
    if (!focusNext) return
    const target = page.current?.querySelector(focusNext)
    if (target) {
      target.focus()
      setFocusNext(null)
    }
  })

  useEffect(() => setSearchText(q), [q])
  useEffect(() => {
    sessionStorage.setItem(selectionKey, JSON.stringify([...selected]))
  }, [selected, selectionKey])
  // A finished bulk action comes back with refresh=true: its selection is done with.
  useEffect(() => {
    if (params.get('refresh')) {
      setSelected(new Set())
      setAllMatching(false)
    }
  }, [params])

  useEffect(() => {
    let gone = false
    fetch(`/admin/api/list-preferences/${encodeURIComponent(resource.id)}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : { perPage: null, columns: null }))
      .catch(() => ({ perPage: null, columns: null }))
      .then((stored) => !gone && setPreferences(stored))
    return () => {
      gone = true
    }
  }, [resource.id])

  const defaultColumns = useMemo(() => resource.listProperties.map((property) => property.propertyPath), [resource])
  const columns = preferences?.columns?.length ? preferences.columns : defaultColumns
  const perPage = Number(params.get('perPage')) || preferences?.perPage || 10
  const filterCount = Object.keys(filters).length
  const isFiltered = filterCount > 0 || Boolean(q)

  const listQuery = useMemo(() => {
    const query = new URLSearchParams()
    for (const [key, value] of params) if (LIST_KEYS(key) || key === 'page') query.append(key, value)
    query.set('perPage', String(perPage))
    if (preferences?.columns?.length) query.set('columns', preferences.columns.join(','))
    return query
  }, [params, perPage, preferences])

  useEffect(() => {
    if (!preferences) return undefined
    let gone = false
    setLoading(true)
    api
      .resourceAction({ resourceId: resource.id, actionName: 'list', params: Object.fromEntries(listQuery) })
      .then((response) => {
        if (gone) return
        if (response.data?.error) setFailure(response.data.error)
        else {
          setFailure(null)
          setData(response.data)
        }
      })
      .catch((error) => !gone && setFailure(error?.response?.data?.error ?? 'The list could not be loaded.'))
      .finally(() => !gone && setLoading(false))
    return () => {
      gone = true
    }
  }, [listQuery.toString(), resource.id, preferences, reload])

  // The count line's "of N": the list's total without filters or search, once per visit.
  useEffect(() => {
    if (!isFiltered || allTotal !== null) return
    api
      .resourceAction({ resourceId: resource.id, actionName: 'list', params: { perPage: '1' } })
      .then((response) => setAllTotal(response.data?.meta?.total ?? null))
      .catch(() => undefined)
  }, [isFiltered, resource.id])

  const go = (changes, { keepPage = false } = {}) => {
    const next = new URLSearchParams(location.search)
    next.delete('refresh')
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === null || value === '') next.delete(key)
      else next.set(key, value)
    }
    if (!keepPage) next.delete('page')
    setAllMatching(false)
    navigate({ pathname: location.pathname, search: `?${next}` })
  }
  const setFilters = (nextFilters) => {
    const next = new URLSearchParams(location.search)
    for (const key of [...next.keys()]) if (key.startsWith('filters.')) next.delete(key)
    for (const [key, value] of Object.entries(nextFilters)) next.set(`filters.${key}`, value)
    next.delete('page')
    next.delete('refresh')
    setAllMatching(false)
    navigate({ pathname: location.pathname, search: `?${next}` })
  }
  const clearAll = () => {
    const next = new URLSearchParams(location.search)
    for (const key of [...next.keys()]) if (key.startsWith('filters.') || key === 'q' || key === 'page') next.delete(key)
    setAllMatching(false)
    navigate({ pathname: location.pathname, search: `?${next}` })
  }
  const savePreference = (body) => {
    setPreferences((before) => ({ ...before, ...body }))
    const form = new URLSearchParams()
    if (body.perPage) form.set('perPage', String(body.perPage))
    if (body.columns !== undefined) form.set('columns', (body.columns ?? []).join(','))
    fetch(`/admin/api/list-preferences/${encodeURIComponent(resource.id)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
    }).catch(() => undefined)
  }

  const records = data?.records ?? []
  const total = data?.meta?.total ?? 0
  const propertyOf = (name) => resource.properties[name] ?? resource.listProperties.find((property) => property.propertyPath === name)
  const shownProperties = columns.map(propertyOf).filter(Boolean)
  const sortable = new Set(custom.sortable ?? [])
  const sortBy = data?.meta?.sortBy
  const direction = data?.meta?.direction

  // Chips: one per active filter (a range bound is its own chip), and the search.
  const valueLabel = (path, value) => {
    if (value === custom.notSetValue) return 'not set'
    const property = propertyOf(path)
    const choice = property?.availableValues?.find((option) => String(option.value) === String(value))
    if (choice) return choice.label
    if (property?.type === 'boolean') return value === 'true' ? 'Yes' : 'No'
    if (property?.reference) {
      const titled = records.find((record) => String(record.params[path]) === String(value))?.populated?.[path]?.title
      return titled ?? `#${value}`
    }
    return value
  }
  const chips = Object.entries(filters).map(([key, value]) => {
    const extra = custom.extraFilters?.find((candidate) => candidate.name === key)
    if (extra) return { key, text: `${extra.label}: ${extra.options.find((option) => option.value === value)?.label ?? value}` }
    const [path, bound] = key.split('~~')
    const label = `${translateProperty(path, resource.id)}${bound ? ` ${bound}` : ''}`
    return { key, text: `${label}: ${valueLabel(path, value)}` }
  })

  // "Filter by this value" in a row's menu: a chip from the keyboard without the drawer, for the
  // shown columns whose filter takes one exact value (choices, references, yes/no) or "Not set".
  const filterable = new Set(resource.filterProperties.map((property) => property.propertyPath))
  const notSettable = new Set(custom.notSet ?? [])
  const filtersFrom = (record) =>
    shownProperties.flatMap((property) => {
      const path = property.propertyPath
      if (!filterable.has(path)) return []
      const raw = record.params[path]
      const value = raw === undefined || raw === null || raw === '' ? (notSettable.has(path) ? custom.notSetValue : null) : String(raw)
      const exact = value === custom.notSetValue || property.availableValues?.length || property.reference || property.type === 'boolean'
      if (value === null || !exact || filters[path] === value) return []
      return [{ path, value, text: `${translateProperty(property.label, resource.id)}: ${valueLabel(path, value)}` }]
    })
  const addFilter = ({ path, value }) => {
    setFocusNext(`[data-testid="chip-${path}"] button`)
    setFilters({ ...filters, [path]: value })
  }

  const pageIds = records.map((record) => String(record.id))
  const selectedOnPage = pageIds.filter((id) => selected.has(id)).length
  const headerState = selectedOnPage === 0 ? 'none' : selectedOnPage === pageIds.length ? 'all' : 'some'
  useEffect(() => {
    if (headerBox.current) headerBox.current.indeterminate = headerState === 'some'
  }, [headerState])
  const toggleOne = (id) => {
    setAllMatching(false)
    setSelected((before) => {
      const next = new Set(before)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })
  }
  const togglePage = () => {
    setAllMatching(false)
    setSelected((before) => {
      const next = new Set(before)
      if (headerState === 'all') pageIds.forEach((id) => next.delete(id))
      else pageIds.forEach((id) => next.add(id))
      return next
    })
  }
  const clearSelection = () => {
    setSelected(new Set())
    setAllMatching(false)
  }

  const resourceActions = resource.resourceActions.filter((candidate) => !HIDDEN_ACTIONS.has(candidate.name))
  const newAction = resource.resourceActions.find((candidate) => candidate.name === 'new')
  // A row carries the bulk actions this user may run (the resource's list has them all, visible or not).
  const bulkActions = records[0]?.bulkActions ?? []
  const searchFor = new URLSearchParams([...params].filter(([key]) => LIST_KEYS(key)))
  const openResourceAction = (name) => navigate(h.resourceActionUrl({ resourceId: resource.id, actionName: name, search: `?${searchFor}` }))
  const openBulkAction = (name) =>
    navigate(h.bulkActionUrl({ resourceId: resource.id, actionName: name, recordIds: [...selected], search: `?${searchFor}` }))
  const openRecord = (record) => {
    const show = record.recordActions.find((candidate) => candidate.name === 'show')
    if (show) navigate(h.recordActionUrl({ resourceId: resource.id, recordId: record.id, actionName: 'show' }))
  }
  const titleOf = (record) => String(record.params[resource.titleProperty?.propertyPath ?? 'id'] ?? record.title ?? record.id)
  const searchPlaceholder = custom.searchable?.length
    ? `Search ${custom.searchable.map((name) => translateProperty(name, resource.id)).join(', ')}`
    : 'Search'

  const sortSearch = (path, nextDirection) => {
    const next = new URLSearchParams(location.search)
    next.set('sortBy', path)
    next.set('direction', nextDirection)
    next.delete('page')
    return next.toString()
  }

  const noun = total === 1 && plural.endsWith('s') ? plural.slice(0, -1) : plural
  const countLine = data
    ? isFiltered && allTotal !== null
      ? `${numberFormat.format(total)} of ${numberFormat.format(allTotal)} ${plural}`
      : `${numberFormat.format(total)} ${noun}`
    : ''

  return (
    <Box ref={page} className="lp-page" variant="transparent" px={['default', 'xl']} py="lg" data-testid="list-page">
      <style>{STYLE}</style>
      <Box flex flexDirection="row" flexWrap="wrap" alignItems="center" style={{ gap: 8 }} mb="lg" data-css={`${resource.id}-list-action-header`}>
        <h2 style={{ flex: '1 1 auto', margin: 0, fontSize: 24, fontWeight: 700, color: '#1C1C38' }}>{translateLabel(resource.id)}</h2>
        {resourceActions.map((candidate) => (
          <button key={candidate.name} type="button" className="lp-button" onClick={() => openResourceAction(candidate.name)} data-testid={`resource-action-${candidate.name}`}>
            {candidate.icon ? <Icon icon={candidate.icon} /> : null}
            {translateAction(candidate.label, resource.id)}
          </button>
        ))}
        {newAction ? (
          <a
            className="lp-button primary"
            href={h.resourceActionUrl({ resourceId: resource.id, actionName: 'new' })}
            onClick={(event) => {
              event.preventDefault()
              navigate(h.resourceActionUrl({ resourceId: resource.id, actionName: 'new' }))
            }}
            data-testid="resource-action-new"
          >
            <Icon icon="Plus" />
            {translateAction(newAction.label, resource.id)}
          </a>
        ) : null}
      </Box>

      <div className="lp-toolbar">
        <form
          className="lp-search"
          role="search"
          onSubmit={(event) => {
            event.preventDefault()
            go({ q: searchText.trim() })
          }}
        >
          <input
            type="search"
            aria-label={searchPlaceholder}
            placeholder={searchPlaceholder}
            value={searchText}
            onChange={(event) => setSearchText(event.target.value)}
            data-testid="list-search"
          />
          <button type="submit" className="lp-button" aria-label="Search">
            <Icon icon="Search" />
          </button>
        </form>
        <button type="button" ref={filterButton} className="lp-button" onClick={() => setFiltersOpen(true)} data-testid="filter-button" aria-haspopup="dialog">
          <Icon icon="Filter" />
          {filterCount ? `Filter (${filterCount})` : 'Filter'}
        </button>
        <Menu label={<><Icon icon="Columns" />Columns</>} title="Choose columns" testId="columns-button">
          {custom.listable?.map((name) => {
            const on = columns.includes(name)
            return (
              <label key={name}>
                <input
                  type="checkbox"
                  checked={on}
                  data-testid={`column-${name}`}
                  onChange={() => {
                    const next = on ? columns.filter((column) => column !== name) : [...columns, name]
                    if (next.length) savePreference({ columns: next })
                  }}
                />
                {translateProperty(name, resource.id)}
              </label>
            )
          })}
          <button type="button" onClick={() => savePreference({ columns: null })}>
            Default columns
          </button>
        </Menu>
        <label style={{ display: 'inline-flex', alignItems: 'center', gap: 6, fontSize: 14 }}>
          Per page
          <select
            className="lp-select"
            value={perPage}
            data-testid="page-size"
            onChange={(event) => {
              savePreference({ perPage: Number(event.target.value) })
              go({ perPage: event.target.value })
            }}
          >
            {(custom.pageSizes ?? [10, 25, 50, 100]).map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>

      {chips.length || q ? (
        <div className="lp-chips" data-testid="filter-chips">
          {q ? (
            <span className="lp-chip">
              Search: “{q}”
              <button type="button" aria-label={`Remove the search ${q}`} onClick={() => go({ q: '' })}>
                ×
              </button>
            </span>
          ) : null}
          {chips.map((chip) => (
            <span className="lp-chip" key={chip.key} data-testid={`chip-${chip.key}`}>
              {chip.text}
              <button
                type="button"
                aria-label={`Remove the filter ${chip.text}`}
                onClick={() => {
                  const next = { ...filters }
                  delete next[chip.key]
                  setFilters(next)
                }}
              >
                ×
              </button>
            </span>
          ))}
          <button type="button" className="lp-link" onClick={clearAll} data-testid="clear-all">
            Clear all
          </button>
        </div>
      ) : null}

      <div className="lp-count" data-testid="list-count" aria-live="polite">
        {loading && !data ? 'Loading…' : countLine}
      </div>

      {selected.size || allMatching ? (
        <div className="lp-selection" data-testid="selection-bar" data-css={`${resource.id}-table-caption`}>
          <strong>{allMatching ? `All ${numberFormat.format(total)} matching selected` : `${selected.size} selected`}</strong>
          {!allMatching && headerState === 'all' && total > selected.size ? (
            <button
              type="button"
              className="lp-link"
              onClick={() => {
                setAllMatching(true)
                setFocusNext('[data-testid^="matching-action-"]')
              }}
              data-testid="select-all-matching"
            >
              Select all {numberFormat.format(total)} matching
            </button>
          ) : null}
          {allMatching
            ? resourceActions
                .filter((candidate) => ['bulkEditMatching', 'exportCsv'].includes(candidate.name))
                .map((candidate) => (
                  <button key={candidate.name} type="button" className="lp-button" onClick={() => openResourceAction(candidate.name)} data-testid={`matching-action-${candidate.name}`}>
                    {candidate.name === 'exportCsv' ? 'Export all matching' : translateAction(candidate.label, resource.id)}
                  </button>
                ))
            : bulkActions.map((candidate) => (
                <button key={candidate.name} type="button" className="lp-button" onClick={() => openBulkAction(candidate.name)} data-testid={`bulk-action-${candidate.name}`}>
                  {translateAction(candidate.label, resource.id)}
                </button>
              ))}
          <button type="button" className="lp-link" onClick={clearSelection}>
            Clear selection
          </button>
        </div>
      ) : null}

      {failure ? <MessageBox variant="danger" mb="lg" message={failure} /> : null}

      {data && !records.length ? (
        <div className="lp-empty" data-testid="list-empty">
          {isFiltered ? (
            <>
              <Text mb="lg">No {plural} match these filters.</Text>
              <button type="button" className="lp-button" onClick={clearAll} data-testid="empty-clear">
                Clear filters
              </button>
            </>
          ) : (
            <Text>No {plural} yet.</Text>
          )}
        </div>
      ) : null}

      {records.length ? (
        <table className="lp-table" data-testid="list-table" aria-busy={loading}>
          <thead data-css={`${resource.id}-table-head`}>
            <tr>
              <th className="lp-th-select" style={{ width: 32 }}>
                <label className="lp-check">
                  <input type="checkbox" ref={headerBox} aria-label="Select this page" checked={headerState === 'all'} onChange={togglePage} data-testid="select-page" />
                  <span className="lp-phone-only">Select page</span>
                </label>
              </th>
              <th className="lp-phone-only">Sort by</th>
              {shownProperties.map((property) => {
                const path = property.propertyPath
                const label = translateProperty(property.label, resource.id)
                if (!sortable.has(path)) return <th key={path}>{label}</th>
                const active = sortBy === path
                const nextDirection = active && direction === 'asc' ? 'desc' : 'asc'
                return (
                  <th key={path} aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
                    <a
                      className="lp-th-sort"
                      href={`?${sortSearch(path, nextDirection)}`}
                      onClick={(event) => {
                        event.preventDefault()
                        go({ sortBy: path, direction: nextDirection })
                      }}
                    >
                      {label}
                      {active ? (direction === 'asc' ? ' ▲' : ' ▼') : ''}
                    </a>
                  </th>
                )
              })}
              <th style={{ width: 48 }}>
                <span style={{ position: 'absolute', left: -10000 }}>Actions</span>
              </th>
            </tr>
          </thead>
          <tbody data-css={`${resource.id}-table-body`}>
            {records.map((record) => {
              const id = String(record.id)
              const title = titleOf(record)
              return (
                <tr
                  key={id}
                  tabIndex={0}
                  className={selected.has(id) || allMatching ? 'selected' : undefined}
                  aria-label={`Open ${title}`}
                  data-testid={`row-${id}`}
                  onClick={() => openRecord(record)}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter' && event.target === event.currentTarget) openRecord(record)
                  }}
                >
                  <td className="lp-cell-select" onClick={(event) => event.stopPropagation()}>
                    <label className="lp-check">
                      <span>
                        <input type="checkbox" aria-label={`Select ${title}`} checked={allMatching || selected.has(id)} onChange={() => toggleOne(id)} data-testid={`select-${id}`} />
                      </span>
                    </label>
                  </td>
                  {shownProperties.map((property) => (
                    <td key={property.propertyPath} data-property-name={property.propertyPath}>
                      <span className="lp-card-label">{translateProperty(property.label, resource.id)}</span>
                      <span style={{ minWidth: 0 }}>
                        <BasePropertyComponent where="list" property={property} resource={resource} record={record} />
                      </span>
                    </td>
                  ))}
                  <td className="lp-cell-actions">
                    <Menu label="⋯" title={`Actions for ${title}`} testId={`row-actions-${id}`}>
                      {(close) => [
                        ...record.recordActions
                          .filter((candidate) => candidate.name !== 'list')
                          .map((candidate) => (
                            <ActionButton key={candidate.name} action={candidate} resourceId={resource.id} recordId={id} actionPerformed={() => {
                              close()
                              setReload((n) => n + 1)
                            }}>
                              <a role="menuitem" href="#" tabIndex={0}>
                                {candidate.icon ? <Icon icon={candidate.icon} /> : null}
                                {translateAction(candidate.label, resource.id)}
                              </a>
                            </ActionButton>
                          )),
                        ...filtersFrom(record).map((quick, index) => (
                          <button
                            key={`filter-${quick.path}`}
                            type="button"
                            role="menuitem"
                            className={index === 0 ? 'lp-menu-first-filter' : undefined}
                            data-testid={`filter-by-${quick.path}`}
                            onClick={() => {
                              close()
                              addFilter(quick)
                            }}
                          >
                            Filter by {quick.text}
                          </button>
                        )),
                      ]}
                    </Menu>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      ) : null}

      {data && total > perPage ? (
        <Text mt="xl" textAlign="center" style={{ overflowX: 'auto' }}>
          <Pagination page={data.meta.page} perPage={perPage} total={total} onChange={(page) => go({ page: String(page) }, { keepPage: true })} />
        </Text>
      ) : null}

      {filtersOpen ? (
        <FilterDrawer
          resource={resource}
          custom={custom}
          filters={filters}
          onClose={() => {
            setFiltersOpen(false)
            filterButton.current?.focus()
          }}
          onApply={(next) => {
            setFiltersOpen(false)
            setFilters(next)
            filterButton.current?.focus()
          }}
        />
      ) : null}
    </Box>
  )
}

export default ListPage
