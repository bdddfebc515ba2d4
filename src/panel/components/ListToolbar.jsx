import React, { useEffect, useState } from 'react'
import { Icon } from '@adminjs/design-system'
import { useTranslation } from 'adminjs'
import PopupMenu from './PopupMenu.jsx'

// The line above the list: the search box (q= in the address), the button that opens the filter
// drawer, the column chooser and the page size. Columns and page size are remembered per user.

function ListToolbar({ resource, custom, q, go, filterCount, filterButtonRef, onOpenFilters, columns, perPage, savePreference }) {
  const { translateProperty } = useTranslation()
  // What is typed stays the box's own until submitted; a new search from elsewhere (a removed
  // chip, "Clear all", Back) replaces it.
  const [searchText, setSearchText] = useState(q)
  useEffect(() => setSearchText(q), [q])
  const searchPlaceholder = custom.searchable?.length
    ? `Search ${custom.searchable.map((name) => translateProperty(name, resource.id)).join(', ')}`
    : 'Search'

  return (
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
      <button type="button" ref={filterButtonRef} className="lp-button" onClick={onOpenFilters} data-testid="filter-button" aria-haspopup="dialog">
        <Icon icon="Filter" />
        {filterCount ? `Filter (${filterCount})` : 'Filter'}
      </button>
      <PopupMenu label={<><Icon icon="Columns" />Columns</>} title="Choose columns" testId="columns-button">
        {custom.listable?.map((name) => {
          const on = columns.includes(name)
          return (
            <label key={name}>
              <input
                type="checkbox"
                checked={on}
                data-testid={`column-${name}`}
                onChange={() => {
                  // The last column stays: a list without columns would show nothing to click.
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
      </PopupMenu>
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
  )
}

export default ListToolbar
