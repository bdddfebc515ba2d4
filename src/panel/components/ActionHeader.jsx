import React, { useEffect, useLayoutEffect, useRef } from 'react'
import { useTranslation } from 'adminjs'
import { actionName, recordName } from './record-title.js'

// AdminJS's action header with the record named: the heading and the browser tab say
// "Client acme-01 — Edit" instead of "Edit", and the delete confirmation names what it deletes.
// AdminJS passes its heading through translation (which would re-case it), so the text is set on
// the heading it rendered, after each render.
const PRODUCT = 'SMS Client Admin'

const ActionHeader = ({ OriginalComponent, ...props }) => {
  const { resource, record, action } = props
  const { translateLabel, translateAction } = useTranslation()
  const ref = useRef(null)
  const name = record?.id ? recordName(translateLabel, resource, record) : null
  const doing = action ? actionName(translateLabel, translateAction, resource, action) : ''
  const heading = name ? (action?.name === 'show' ? name : `${name} — ${doing}`) : doing || translateLabel(resource.name, resource.id)

  useLayoutEffect(() => {
    if (!name || action?.showInDrawer) return
    const element = ref.current?.querySelector('h2')
    const text = element && [...element.childNodes].find((node) => node.nodeType === Node.TEXT_NODE)
    if (text && text.nodeValue !== heading) text.nodeValue = heading
  })
  useEffect(() => {
    if (!action?.showInDrawer) document.title = `${heading} · ${PRODUCT}`
  }, [heading])

  const named = record?.id
    ? {
        ...record,
        recordActions: record.recordActions.map((candidate) =>
          candidate.name === 'delete' ? { ...candidate, guard: `Delete ${name}? This cannot be undone.` } : candidate,
        ),
      }
    : record
  return (
    <div ref={ref} style={{ display: 'contents' }}>
      <OriginalComponent {...props} record={named} />
    </div>
  )
}

export default ActionHeader
