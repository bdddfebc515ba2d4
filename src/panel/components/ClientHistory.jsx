import React, { useEffect, useState } from 'react'
import { Box, Button, Link, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import { ApiClient, useNotice, useTranslation, ViewHelpers } from 'adminjs'
import DateTime from './DateTime.jsx'

const ACTIONS = { create: 'Created', update: 'Changed', delete: 'Deleted' }
const OPERATIONS = { bulk: 'bulk edit', import: 'import', revert: 'revert' }
const operationUrl = (operation) =>
  new ViewHelpers().resourceUrl({ resourceId: 'ChangeHistory', search: `?${new URLSearchParams({ 'filters.operation': operation })}` })

// A recorded record's change history on its show page (a client's, a sender name's), newest first, in the form's own labels.
const ClientHistory = ({ record, resource }) => {
  const [entries, setEntries] = useState(null)
  const [total, setTotal] = useState(0)
  const [reverting, setReverting] = useState(null)
  const { translateLabel } = useTranslation()
  const addNotice = useNotice()
  // Any resource with history (a client, a sender name): the entries of this record.
  const filters = { 'filters.resource': resource.id, 'filters.recordId': String(record.id) }

  useEffect(() => {
    new ApiClient()
      .resourceAction({ resourceId: 'ChangeHistory', actionName: 'list', params: { ...filters, perPage: 10 } })
      .then((response) => {
        setEntries(response.data.records ?? [])
        setTotal(response.data.meta?.total ?? 0)
      })
      .catch(() => setEntries([]))
  }, [record.id])

  // One click: the server checks everything (conflicts, rules, role) and refuses with a reason.
  // After a revert the page reloads, so the fields above and the new entry on top are current.
  const revert = (entry) => {
    setReverting(entry.id)
    new ApiClient()
      .recordAction({ resourceId: 'ChangeHistory', recordId: entry.id, actionName: 'revert', data: {} })
      .then(({ data }) => {
        if (data.notice?.type === 'success') window.location.reload()
        else if (data.notice) addNotice(data.notice)
      })
      .catch(() => addNotice({ type: 'error', message: 'Not reverted: the server did not answer' }))
      .finally(() => setReverting(null))
  }

  const fullList = `/admin/resources/ChangeHistory?${new URLSearchParams(filters).toString()}`
  if (entries === null) return <Text>Loading history…</Text>
  if (!entries.length) return <Text mb="xl">No changes recorded yet.</Text>
  return (
    <Box mb="xl" data-testid="client-history">
      <Table>
        <TableHead>
          <TableRow>
            <TableCell>#</TableCell>
            <TableCell>When</TableCell>
            <TableCell>By</TableCell>
            <TableCell>Action</TableCell>
            <TableCell>Changes</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {entries.map((entry) => (
            <TableRow key={entry.id}>
              <TableCell>
                <Link href={`/admin/resources/ChangeHistory/records/${entry.id}/show`}>{entry.id}</Link>
              </TableCell>
              <TableCell style={{ whiteSpace: 'nowrap' }}><DateTime value={entry.params.createdAt} /></TableCell>
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
              <TableCell style={{ whiteSpace: 'pre-wrap' }}>{entry.params.sectionSummary ?? entry.params.summary}</TableCell>
              <TableCell>
                {entry.recordActions?.some((action) => action.name === 'revert') && (
                  <Button size="sm" variant="outlined" disabled={reverting !== null} onClick={() => revert(entry)} data-testid={`revert-${entry.id}`}>
                    Revert this change
                  </Button>
                )}
              </TableCell>
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
