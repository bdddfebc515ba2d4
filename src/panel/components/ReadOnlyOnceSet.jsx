import React from 'react'
import { FormGroup, FormMessage, Input } from '@adminjs/design-system'
import { BasePropertyComponent, PropertyLabel } from 'adminjs'

// Editable until the record has a stored value; then shown disabled with a note. The server
// refuses a change either way: this only keeps the form honest.
const ReadOnlyOnceSet = (props) => {
  const { property, record } = props
  const stored = record?.id ? props.record.params[property.path] : undefined
  if (!stored) {
    // The stock editor itself: AdminJS has already wrapped this component in its property box.
    return <BasePropertyComponent.DefaultType.Edit {...props} />
  }
  const option = property.availableValues?.find((choice) => choice.value === stored)
  return (
    <FormGroup>
      <PropertyLabel property={{ ...property, description: undefined }} />
      <Input id={property.path} name={property.path} value={option ? option.label : stored} disabled width="100%" />
      <FormMessage style={{ color: 'inherit' }}>Set once and cannot be changed.</FormMessage>
    </FormGroup>
  )
}

export default ReadOnlyOnceSet
