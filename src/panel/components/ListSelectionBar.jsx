import React from 'react'
import { useTranslation } from 'adminjs'

// Shown while rows are selected: how many, the bulk actions for them, and, once the whole page is
// ticked, "Select all N matching", which swaps the bulk actions for those that work on the query
// itself (bulk edit and export of every matching row, however many pages).

const numberFormat = new Intl.NumberFormat('en-US')

function ListSelectionBar({ resource, selection, pageState, total, bulkActions, resourceActions, openBulkAction, openResourceAction, setFocusNext }) {
  const { translateAction } = useTranslation()
  const { selected, allMatching, setAllMatching, clearSelection } = selection
  if (!selected.size && !allMatching) return null
  return (
    <div className="lp-selection" data-testid="selection-bar" data-css={`${resource.id}-table-caption`}>
      <strong>{allMatching ? `All ${numberFormat.format(total)} matching selected` : `${selected.size} selected`}</strong>
      {!allMatching && pageState === 'all' && total > selected.size ? (
        <button
          type="button"
          className="lp-link"
          onClick={() => {
            setAllMatching(true)
            // The link goes away; a keyboard user goes on to the actions that came with it.
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
  )
}

export default ListSelectionBar
