import React from 'react'
import { ValueGroup } from '@adminjs/design-system'
import { useTranslation } from 'adminjs'
import DateTime from './DateTime.jsx'

// Replaces AdminJS's own list and show rendering of timestamp columns (DefaultDatetime*Property),
// so every list cell and show page states a moment the one way (DateTime). A date without a time
// stays that calendar day, in no zone.
const DateTimeProperty = ({ property, record, where }) => {
  const { translateProperty } = useTranslation()
  const value = record?.params?.[property.path]
  const shown = property.type === 'date' ? <span>{value ? String(value).slice(0, 10) : ''}</span> : <DateTime value={value ?? null} />
  if (where === 'show') return <ValueGroup label={translateProperty(property.label, property.resourceId)}>{shown}</ValueGroup>
  return shown
}

export default DateTimeProperty
