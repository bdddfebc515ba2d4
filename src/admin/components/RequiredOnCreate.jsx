import React from 'react'
import { BasePropertyComponent } from 'adminjs'

// Required when a record is created, optional afterwards (a blank password on edit keeps the old
// one): the required mark follows, the rest is the stock input.
const RequiredOnCreate = (props) => {
  const { property, record } = props
  const isRequired = Boolean(property.isRequired && !record?.id)
  return <BasePropertyComponent {...props} property={{ ...property, isRequired, components: {} }} />
}

export default RequiredOnCreate
