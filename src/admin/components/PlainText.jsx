import React from 'react'
import { Box, Label, Text } from '@adminjs/design-system'

// Internal notes are shown exactly as typed: text, never HTML, with line breaks kept.
const PlainText = ({ property, record }) => (
  <Box mb="xl">
    <Label>{property.label}</Label>
    <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{record.params[property.path] ?? ''}</Text>
  </Box>
)

export default PlainText
