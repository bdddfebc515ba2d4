import React from 'react'
import { Box, Text } from '@adminjs/design-system'
import { PropertyLabel } from 'adminjs'

// Internal notes are shown exactly as typed: text, never HTML, with line breaks kept.
const PlainText = ({ property, record }) => (
  <Box mb="xl">
    <PropertyLabel property={{ ...property, description: undefined }} />
    <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{record.params[property.path] ?? ''}</Text>
  </Box>
)

export default PlainText
