import React, { useEffect, useState } from 'react'
import { Box, Link, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import { ApiClient, useTranslation, ViewHelpers } from 'adminjs'

const ACTIONS = { create: 'Created', update: 'Changed', delete: 'Deleted' }
const OPERATIONS = { bulk: 'bulk edit', import: 'import', revert: 'revert' }
const operationUrl = (operation) =>
  new ViewHelpers().resourceUrl({ resourceId: 'ChangeHistory', search: `?${new URLSearchParams({ 'filters.operation': operation })}` })

// The client's change history on its show page, newest first, in the form's own labels.
const ClientHistory = ({ record }) => {
  const [entries, setEntries] = useState(null)
  const [total, setTotal] = useState(0)
  const { translateLabel } = useTranslation()
  const filters = { 'filters.resource': 'Client', 'filters.recordId': String(record.id) }

  useEffect(() => {
    new ApiClient()
      .resourceAction({ resourceId: 'ChangeHistory', actionName: 'list', params: { ...filters, perPage: 10 } })
      .then((response) => {
        setEntries(response.data.records ?? [])
        setTotal(response.data.meta?.total ?? 0)
      })
      .catch(() => setEntries([]))
  }, [record.id])

  const fullList = `/admin/resources/ChangeHistory?${new URLSearchParams(filters).toString()}`
  if (entries === null) return <Text>Loading history…</Text>
  if (!entries.length) return <Text mb="xl">No changes recorded yet.</Text>
  return (
    <Box mb="xl" data-testid="client-history">
      <Table>
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>By</TableCell>
            <TableCell>Action</TableCell>
            <TableCell>Changes</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {entries.map((entry) => (
            <TableRow key={entry.id}>
              <TableCell style={{ whiteSpace: 'nowrap' }}>{new Date(entry.params.createdAt).toLocaleString()}</TableCell>
              <TableCell>{entry.params.actorEmail}</TableCell>
              <TableCell>
                {ACTIONS[entry.params.action] ?? entry.params.action}
                {entry.params.operation ? (
                  <>
                    {' '}
                    (<Link href={operationUrl(entry.params.operation)} title={entry.params.operation}>
                      {OPERATIONS[entry.params.operation.split(':')[0]] ?? 'operation'}
                    </Link>)
                  </>
                ) : null}
              </TableCell>
              <TableCell style={{ whiteSpace: 'pre-wrap' }}>{entry.params.summary}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box mt="lg">
        <Link href={fullList}>
          {total > entries.length ? `All ${total} changes` : 'Open in the change history'} ({translateLabel('ChangeHistory')})
        </Link>
      </Box>
    </Box>
  )
}

export default ClientHistory
