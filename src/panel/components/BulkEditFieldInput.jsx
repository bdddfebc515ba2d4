import React, { useState } from 'react'
import { Input, Select, SelectAsync } from '@adminjs/design-system'
import { ApiClient } from 'adminjs'

// The value input of one field in a bulk edit, by the field's kind: a yes/no or choice select, a
// reference picker, or a plain text box. Ids are `bulk-<field>` so the field's label points at them.

const api = new ApiClient()
const YES_NO = [
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
]

// Active records only, through the resource's referenceChoices action (as the edit form's select).
function ReferenceInput({ field, onChange, resourceId, disabled }) {
  const [chosen, setChosen] = useState(null)
  const loadOptions = async (query) => {
    const response = await api.resourceAction({ resourceId, actionName: 'referenceChoices', params: { property: field.name, query } })
    return response.data.choices ?? []
  }
  return (
    <SelectAsync
      inputId={`bulk-${field.name}`}
      isDisabled={disabled}
      cacheOptions
      defaultOptions
      isClearable
      value={chosen}
      loadOptions={loadOptions}
      onChange={(selected) => {
        setChosen(selected)
        onChange(selected ? selected.value : '')
      }}
    />
  )
}

function BulkEditFieldInput({ field, value, onChange, resourceId, disabled }) {
  if (field.kind === 'boolean' || field.options) {
    const options = field.kind === 'boolean' ? YES_NO : field.options
    return (
      <Select
        inputId={`bulk-${field.name}`}
        isDisabled={disabled}
        value={options.find((option) => option.value === value) ?? null}
        options={options}
        onChange={(selected) => onChange(selected ? selected.value : '')}
      />
    )
  }
  if (field.reference) return <ReferenceInput field={field} onChange={onChange} resourceId={resourceId} disabled={disabled} />
  return (
    <Input
      id={`bulk-${field.name}`}
      width={1}
      disabled={disabled}
      value={value ?? ''}
      inputMode={field.kind === 'integer' ? 'numeric' : undefined}
      placeholder={field.kind === 'time' ? 'HH:MM' : undefined}
      onChange={(event) => onChange(event.target.value)}
    />
  )
}

export default BulkEditFieldInput
