import React, { useMemo } from 'react'
import { New } from 'adminjs'

// The stock "new" form starts empty; this one starts from the defaults of the resource definition
// (ticked checkboxes, preselected choices), passed in the action's `custom.defaults`.
const NewWithDefaults = (props) => {
  const defaults = props.action?.custom?.defaults ?? {}
  const record = useMemo(() => ({ params: { ...defaults }, populated: {}, errors: {} }), [props.resource.id])
  return <New {...props} record={props.record ?? record} />
}

export default NewWithDefaults
