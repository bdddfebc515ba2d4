import React, { useEffect, useRef, useState } from 'react'
import { Box, Text } from '@adminjs/design-system'
import { BasePropertyComponent, useTranslation } from 'adminjs'

/** The filter drawer: the list's filter fields (AdminJS's own inputs), "Not set" beside optional ones. */
function ListFilterDrawer({ resource, custom, filters, onApply, onClose }) {
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


export default ListFilterDrawer
