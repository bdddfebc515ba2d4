import React, { useEffect, useRef, useState } from 'react'
import { Box, Icon, MessageBox, Pagination, Text } from '@adminjs/design-system'
import { ViewHelpers, useCurrentAdmin, useTranslation } from 'adminjs'
import { LIST_PAGE_STYLE } from './list-page-style.js'
import { isListKey, useListAddress } from './use-list-address.js'
import { useListData } from './use-list-data.js'
import { useListSelection } from './use-list-selection.js'
import { filterLabels } from './list-filter-labels.js'
import ListToolbar from './ListToolbar.jsx'
import ListFilterChips from './ListFilterChips.jsx'
import ListSelectionBar from './ListSelectionBar.jsx'
import ListTable from './ListTable.jsx'
import ListFilterDrawer from './ListFilterDrawer.jsx'

// The whole list page of every resource (the list action's component; AdminJS's header, filter
// button and drawer are off, see listView in src/panel/actions/list-action.ts): a search box (q=),
// the active filters as chips, the count line, page size and column chooser (remembered per user
// on the server), a selection kept across pages with "Select all N matching", and, at 600 px or
// less, each row as a card of labelled values. Everything is reachable by keyboard.
// This file puts the parts together; each part's file says what it does.

const h = new ViewHelpers()
const HIDDEN_ACTIONS = new Set(['list', 'search', 'referenceChoices', 'new'])
const numberFormat = new Intl.NumberFormat('en-US')

/** The heading with the resource's own actions (import, export, …) and "Create new". */
function ListHeading({ resource, resourceActions, openResourceAction, navigate }) {
  const { translateLabel, translateAction } = useTranslation()
  const newAction = resource.resourceActions.find((candidate) => candidate.name === 'new')
  const newUrl = h.resourceActionUrl({ resourceId: resource.id, actionName: 'new' })
  return (
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
          href={newUrl}
          onClick={(event) => {
            event.preventDefault()
            navigate(newUrl)
          }}
          data-testid="resource-action-new"
        >
          <Icon icon="Plus" />
          {translateAction(newAction.label, resource.id)}
        </a>
      ) : null}
    </Box>
  )
}

const ListPage = ({ resource, action }) => {
  const { translateLabel, translateProperty } = useTranslation()
  const custom = action.custom ?? {}
  const [currentAdmin] = useCurrentAdmin()
  const selection = useListSelection({ userId: currentAdmin?.id ?? '', resourceId: resource.id })
  const { params, filters, q, go, setFilters, clearAll, sortSearch, navigate } = useListAddress(() => selection.setAllMatching(false))
  const filterCount = Object.keys(filters).length
  const isFiltered = filterCount > 0 || Boolean(q)
  const { data, records, total, allTotal, failure, loading, columns, perPage, savePreference, readAgain } = useListData({ resource, params, isFiltered })
  const plural = translateLabel(resource.id).toLowerCase()
  const [filtersOpen, setFiltersOpen] = useState(false)
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

  const propertyOf = (name) => resource.properties[name] ?? resource.listProperties.find((property) => property.propertyPath === name)
  const shownProperties = columns.map(propertyOf).filter(Boolean)
  const { chipsOf, quickFiltersOf } = filterLabels({ resource, custom, records, propertyOf, translateProperty })
  const addFilter = ({ path, value }) => {
    setFocusNext(`[data-testid="chip-${path}"] button`)
    setFilters({ ...filters, [path]: value })
  }
  const { pageState, togglePage } = selection.pageSelection(records.map((record) => String(record.id)))

  const resourceActions = resource.resourceActions.filter((candidate) => !HIDDEN_ACTIONS.has(candidate.name))
  // A row carries the bulk actions this user may run (the resource's list has them all, visible or not).
  const bulkActions = records[0]?.bulkActions ?? []
  // Actions opened from the list keep its query, so they work on (and come back to) the same list.
  const searchFor = new URLSearchParams([...params].filter(([key]) => isListKey(key)))
  const openResourceAction = (name) => navigate(h.resourceActionUrl({ resourceId: resource.id, actionName: name, search: `?${searchFor}` }))
  const openBulkAction = (name) =>
    navigate(h.bulkActionUrl({ resourceId: resource.id, actionName: name, recordIds: [...selection.selected], search: `?${searchFor}` }))
  const openRecord = (record) => {
    const show = record.recordActions.find((candidate) => candidate.name === 'show')
    if (show) navigate(h.recordActionUrl({ resourceId: resource.id, recordId: record.id, actionName: 'show' }))
  }
  const titleOf = (record) => String(record.params[resource.titleProperty?.propertyPath ?? 'id'] ?? record.title ?? record.id)

  const noun = total === 1 && plural.endsWith('s') ? plural.slice(0, -1) : plural
  const countLine = data
    ? isFiltered && allTotal !== null
      ? `${numberFormat.format(total)} of ${numberFormat.format(allTotal)} ${plural}`
      : `${numberFormat.format(total)} ${noun}`
    : ''
  const closeFilters = () => {
    setFiltersOpen(false)
    filterButton.current?.focus()
  }

  return (
    <Box ref={page} className="lp-page" variant="transparent" px={['default', 'xl']} py="lg" data-testid="list-page">
      <style>{LIST_PAGE_STYLE}</style>
      <ListHeading resource={resource} resourceActions={resourceActions} openResourceAction={openResourceAction} navigate={navigate} />
      <ListToolbar
        resource={resource}
        custom={custom}
        q={q}
        go={go}
        filterCount={filterCount}
        filterButtonRef={filterButton}
        onOpenFilters={() => setFiltersOpen(true)}
        columns={columns}
        perPage={perPage}
        savePreference={savePreference}
      />
      <ListFilterChips q={q} chips={chipsOf(filters)} go={go} filters={filters} setFilters={setFilters} clearAll={clearAll} />

      <div className="lp-count" data-testid="list-count" aria-live="polite">
        {loading && !data ? 'Loading…' : countLine}
      </div>

      <ListSelectionBar
        resource={resource}
        selection={selection}
        pageState={pageState}
        total={total}
        bulkActions={bulkActions}
        resourceActions={resourceActions}
        openBulkAction={openBulkAction}
        openResourceAction={openResourceAction}
        setFocusNext={setFocusNext}
      />

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
        <ListTable
          resource={resource}
          records={records}
          shownProperties={shownProperties}
          sortable={new Set(custom.sortable ?? [])}
          sortBy={data?.meta?.sortBy}
          direction={data?.meta?.direction}
          sortSearch={sortSearch}
          go={go}
          loading={loading}
          selection={selection}
          pageState={pageState}
          togglePage={togglePage}
          titleOf={titleOf}
          openRecord={openRecord}
          quickFiltersOf={(record) => quickFiltersOf(record, shownProperties, filters)}
          onActionDone={readAgain}
          onFilterBy={addFilter}
        />
      ) : null}

      {data && total > perPage ? (
        <Text mt="xl" textAlign="center" style={{ overflowX: 'auto' }}>
          <Pagination page={data.meta.page} perPage={perPage} total={total} onChange={(page) => go({ page: String(page) }, { keepPage: true })} />
        </Text>
      ) : null}

      {filtersOpen ? (
        <ListFilterDrawer
          resource={resource}
          custom={custom}
          filters={filters}
          onClose={closeFilters}
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
