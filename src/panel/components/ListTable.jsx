import React, { useEffect, useRef } from 'react'
import { BasePropertyComponent, useTranslation } from 'adminjs'
import ListRowMenu from './ListRowMenu.jsx'

// The rows as a table: a head with "Select this page" and the sort links, then one row per record
// that opens it on click or Enter. At 600 px or less the same markup is drawn as cards of labelled
// values (see list-page-style.js), so phones and desktops share one keyboard and screen-reader path.

/** The sort link of a sortable column: its direction arrow, and aria-sort for screen readers. */
function SortableHead({ path, label, sortBy, direction, sortSearch, go }) {
  const active = sortBy === path
  const nextDirection = active && direction === 'asc' ? 'desc' : 'asc'
  return (
    <th aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
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
}

function ListTable(props) {
  const { resource, records, shownProperties, sortable, sortBy, direction, sortSearch, go, loading } = props
  const { selection, pageState, togglePage, titleOf, openRecord, quickFiltersOf, onActionDone, onFilterBy } = props
  const { translateProperty } = useTranslation()
  const { selected, allMatching, toggleOne } = selection
  // A checkbox is "in between" only through the DOM property, there is no attribute for it.
  const pageBox = useRef(null)
  useEffect(() => {
    if (pageBox.current) pageBox.current.indeterminate = pageState === 'some'
  }, [pageState])

  return (
    <table className="lp-table" data-testid="list-table" aria-busy={loading}>
      <thead data-css={`${resource.id}-table-head`}>
        <tr>
          <th className="lp-th-select" style={{ width: 32 }}>
            <label className="lp-check">
              <input type="checkbox" ref={pageBox} aria-label="Select this page" checked={pageState === 'all'} onChange={togglePage} data-testid="select-page" />
              <span className="lp-phone-only">Select page</span>
            </label>
          </th>
          <th className="lp-phone-only">Sort by</th>
          {shownProperties.map((property) => {
            const path = property.propertyPath
            const label = translateProperty(property.label, resource.id)
            if (!sortable.has(path)) return <th key={path}>{label}</th>
            return <SortableHead key={path} path={path} label={label} sortBy={sortBy} direction={direction} sortSearch={sortSearch} go={go} />
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
                <ListRowMenu resource={resource} record={record} id={id} title={title} quickFilters={quickFiltersOf(record)} onActionDone={onActionDone} onFilterBy={onFilterBy} />
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

export default ListTable
