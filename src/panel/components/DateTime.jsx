import React from 'react'
import { useCurrentAdmin } from 'adminjs'
import { formatDateTime, utcDateTime, zoneOf } from './date-time.js'

// A moment as the panel shows it (date-time.js): the reader's format and zone, UTC on hover and in
// the element's machine-readable value. Also the list and show component of timestamp columns.
const DateTime = ({ value, record, property }) => {
  const [currentAdmin] = useCurrentAdmin()
  const moment = value !== undefined ? value : record?.params?.[property?.path]
  if (moment === null || moment === undefined || moment === '') return property ? <span>—</span> : null
  const utc = utcDateTime(moment)
  if (!utc) return <span>{String(moment)}</span>
  const shown = <time dateTime={new Date(moment).toISOString()} title={utc} style={{ whiteSpace: 'nowrap' }}>{formatDateTime(moment, zoneOf(currentAdmin))}</time>
  return shown
}

export default DateTime
