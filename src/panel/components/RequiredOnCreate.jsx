import React from 'react'
import { BasePropertyComponent } from 'adminjs'

// Required when a record is created, optional afterwards (a blank password on edit keeps the old
// one): the required mark follows, the rest is the stock input.
const RequiredOnCreate = (props) => {
  const { property, record } = props
  const isRequired = Boolean(property.isRequired && !record?.id)
  // The stock editor itself: AdminJS has already wrapped this component in its property box.
  const Editor = property.type === 'password' ? BasePropertyComponent.Password.Edit : BasePropertyComponent.DefaultType.Edit
  return <Editor {...props} property={{ ...property, isRequired }} />
}

export default RequiredOnCreate
