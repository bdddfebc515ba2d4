import React, { useState } from 'react'
import { FormGroup, FormMessage, SelectAsync } from '@adminjs/design-system'
import { ApiClient, PropertyLabel } from 'adminjs'

// A reference select that offers only active records, through the owning resource's
// `referenceChoices` action, so a manager never needs access to the referenced resource itself.
const ActiveReference = (props) => {
  const { property, record, onChange, resource } = props
  const selectedId = record?.params?.[property.path]
  const populated = record?.populated?.[property.path]
  const [chosen, setChosen] = useState(null)
  const current =
    chosen ?? (selectedId ? { value: String(selectedId), label: populated?.title ?? `#${selectedId}` } : null)

  const loadOptions = async (query) => {
    const api = new ApiClient()
    const response = await api.resourceAction({
      resourceId: resource.id,
      actionName: 'referenceChoices',
      params: { property: property.path, query },
    })
    return response.data.choices ?? []
  }

  const error = record?.errors?.[property.path]
  return (
    <FormGroup error={Boolean(error)}>
      <PropertyLabel property={property} />
      <SelectAsync
        inputId={property.path}
        cacheOptions
        defaultOptions
        isClearable={!property.isRequired}
        value={current}
        loadOptions={loadOptions}
        onChange={(selected) => {
          setChosen(selected)
          onChange(property.path, selected ? selected.value : null)
        }}
      />
      <FormMessage>{error?.message}</FormMessage>
    </FormGroup>
  )
}

export default ActiveReference
