import React from 'react'
import { ViewHelpers } from 'adminjs'
import { useNavigate } from 'react-router'

// A history entry's record by its name (a client's login), linking to the record; "#id" where the
// record is gone or its name is not the viewer's to see; nothing for an entry about a whole list.

const h = new ViewHelpers()

const RecordLink = ({ record }) => {
  const navigate = useNavigate()
  const { resource, recordId, recordTitle } = record.params
  if (!recordId || String(recordId) === '0') return <span>—</span>
  const text = recordTitle ?? `#${recordId}`
  if (!recordTitle) return <span data-testid="record-link">{text}</span>
  const href = h.recordActionUrl({ resourceId: resource, recordId: String(recordId), actionName: 'show' })
  // Inside a list row a click would also open the history entry: the link wins.
  return (
    <a
      href={href}
      data-testid="record-link"
      onClick={(event) => {
        event.stopPropagation()
        event.preventDefault()
        navigate(href)
      }}
    >
      {text}
    </a>
  )
}

export default RecordLink
