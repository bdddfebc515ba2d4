import React from 'react'
import { Box, Link, Text } from '@adminjs/design-system'
import { PropertyLabel, ViewHelpers } from 'adminjs'

const KINDS = { bulk: 'Bulk edit', import: 'Import', revert: 'Revert' }

/** The change-history list filtered to one operation ("bulk:<uuid>"): every entry of that change. */
const operationUrl = (operation) =>
  new ViewHelpers().resourceUrl({ resourceId: 'ChangeHistory', search: `?${new URLSearchParams({ 'filters.operation': operation })}` })

// A history entry that belongs to a bulk edit, import or revert links to all entries of it.
const OperationLink = ({ property, record, where }) => {
  const operation = record.params[property.path]
  const link = operation ? (
    <Link href={operationUrl(operation)} title={operation} data-testid="operation-link">
      {KINDS[operation.split(':')[0]] ?? operation}
      {where === 'show' ? ': all changes of this operation' : ''}
    </Link>
  ) : (
    <Text>–</Text>
  )
  if (where !== 'show') return link
  return (
    <Box mb="xl">
      <PropertyLabel property={{ ...property, description: undefined }} />
      {link}
    </Box>
  )
}

export default OperationLink
