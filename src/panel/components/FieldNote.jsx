import React, { useEffect, useState } from 'react'
import { createPortal } from 'react-dom'
import { Text } from '@adminjs/design-system'

// A line under one field of the form (AdminJS draws the field; this joins it there), e.g. how the
// server stored what was typed: "Saved as "janetester" (you typed "@janetester")".
const FieldNote = ({ form, path, children }) => {
  const [target, setTarget] = useState(null)
  useEffect(() => {
    setTarget(form?.querySelector(`[data-testid="property-edit-${CSS.escape(path)}"]`) ?? null)
  }, [form, path])
  if (!target) return null
  return createPortal(
    <Text as="p" mt="sm" color="grey80" fontSize="sm" data-testid={`normalized-${path}`} role="status">
      {children}
    </Text>,
    target,
  )
}

export default FieldNote
