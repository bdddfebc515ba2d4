import React from 'react'
import { Icon } from '@adminjs/design-system'
import { ActionButton, useTranslation } from 'adminjs'
import PopupMenu from './PopupMenu.jsx'

// A row's "⋯" menu: the record's actions this user may run, then "Filter by <column>: <value>" for
// the row's values that make an exact filter, so a list can be narrowed without the drawer.

function ListRowMenu({ resource, record, id, title, quickFilters, onActionDone, onFilterBy }) {
  const { translateAction } = useTranslation()
  return (
    <PopupMenu label="⋯" title={`Actions for ${title}`} testId={`row-actions-${id}`}>
      {(close) => [
        ...record.recordActions
          .filter((candidate) => candidate.name !== 'list')
          .map((candidate) => (
            <ActionButton key={candidate.name} action={candidate} resourceId={resource.id} recordId={id} actionPerformed={() => {
              close()
              onActionDone()
            }}>
              <a role="menuitem" href="#" tabIndex={0}>
                {candidate.icon ? <Icon icon={candidate.icon} /> : null}
                {translateAction(candidate.label, resource.id)}
              </a>
            </ActionButton>
          )),
        ...quickFilters.map((quick, index) => (
          <button
            key={`filter-${quick.path}`}
            type="button"
            role="menuitem"
            className={index === 0 ? 'lp-menu-first-filter' : undefined}
            data-testid={`filter-by-${quick.path}`}
            onClick={() => {
              close()
              onFilterBy(quick)
            }}
          >
            Filter by {quick.text}
          </button>
        )),
      ]}
    </PopupMenu>
  )
}

export default ListRowMenu
