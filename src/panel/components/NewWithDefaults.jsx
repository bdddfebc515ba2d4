import React, { useMemo } from 'react'
import RecordForm from './RecordForm.jsx'

// The stock "new" form starts empty; this one starts from the defaults of the resource definition
// (ticked checkboxes, preselected choices), passed in the action's `custom.defaults`, and from the
// fields of `custom.prefill` the page's address names ("New" on a client's page: `?clientId=7`).
// It is the form that checks required fields first and asks before unsaved typing is left (RecordForm).
const NewWithDefaults = (props) => {
  const defaults = props.action?.custom?.defaults ?? {}
  const query = new URLSearchParams(typeof window === 'undefined' ? '' : window.location.search)
  const prefilled = Object.fromEntries((props.action?.custom?.prefill ?? []).filter((name) => query.has(name)).map((name) => [name, query.get(name)]))
  const record = useMemo(() => ({ params: { ...defaults, ...prefilled }, populated: {}, errors: {} }), [props.resource.id])
  return <RecordForm {...props} record={props.record ?? record} />
}

export default NewWithDefaults
