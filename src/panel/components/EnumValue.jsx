import React from 'react'
import { Badge } from '@adminjs/design-system'

// A choice field's value on the list and show pages: its label in a badge coloured by what it means
// (the field definition's Option.tone): good is green, bad is red, attention amber, the rest a
// dark grey. Every colour carries white text at 4.5:1 or more.
const TONES = { good: '#007D7F', bad: '#C20012', attention: '#A14F17' }
const NEUTRAL = '#454655'

const EnumValue = ({ property, record }) => {
  const value = record?.params?.[property.path]
  if (value === undefined || value === null || value === '') return null
  const label = property.availableValues?.find((option) => option.value === String(value))?.label ?? String(value)
  const tone = property.custom?.tones?.[value]
  const background = TONES[tone] ?? NEUTRAL
  return (
    <Badge data-tone={tone ?? 'neutral'} style={{ background, borderColor: background, color: '#fff' }}>
      {label}
    </Badge>
  )
}

export default EnumValue
