import React from 'react'

// The active search and filters as chips under the toolbar, each removable on its own, so what
// narrows the list is always in sight and undone in one click.

function ListFilterChips({ q, chips, go, filters, setFilters, clearAll }) {
  if (!chips.length && !q) return null
  return (
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
  )
}

export default ListFilterChips
