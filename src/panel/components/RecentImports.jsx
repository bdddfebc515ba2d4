import React from 'react'
import { Box, Button, Icon, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import DateTime from './DateTime.jsx'

// "Recent imports" under the import form: the user's own (everyone's for an administrator), newest
// first, with who, when, which file, its state and counts; a finished one's report opens or
// downloads again, a running one can be followed or cancelled.

const STATES = { queued: 'Waiting', running: 'Running', done: 'Done', refused: 'Refused', failed: 'Failed', cancelled: 'Cancelled' }
const count = (n) => Number(n ?? 0).toLocaleString('en')
const countsText = (entry) => {
  if (!entry.counts) return entry.error ?? `${count(entry.rows)} rows`
  const { total, created, updated, unchanged, failed } = entry.counts
  return `${count(total)} rows: ${count(created)} ${entry.dryRun ? 'to create' : 'created'}, ${count(updated)} ${entry.dryRun ? 'to update' : 'updated'}, ${count(unchanged)} unchanged, ${count(failed)} with errors`
}
// Whole words and short values on one line: nothing breaks mid-word.
const cell = { whiteSpace: 'normal', wordBreak: 'normal', overflowWrap: 'normal', verticalAlign: 'top' }
const oneLine = { ...cell, whiteSpace: 'nowrap' }
// The buttons of a row stack when the table is narrow, each on one line.
const action = { whiteSpace: 'nowrap', display: 'inline-flex' }

const RecentImports = ({ imports, onOpen, onDownload, onFollow, onCancel, activeId }) => {
  if (!imports?.length) return null
  return (
    <Box mt="xl" data-testid="recent-imports">
      <Text as="h3" fontWeight="bold" mb="default">
        Recent imports
      </Text>
      <Box style={{ overflowX: 'auto' }}>
        <Table>
          <TableHead>
            <TableRow>
              <TableCell style={oneLine}>When</TableCell>
              <TableCell style={oneLine}>Who</TableCell>
              <TableCell style={{ ...cell, minWidth: 140 }}>File</TableCell>
              <TableCell style={oneLine}>Kind</TableCell>
              <TableCell style={oneLine}>State</TableCell>
              <TableCell style={{ ...cell, minWidth: 200 }}>Rows</TableCell>
              <TableCell style={cell} />
            </TableRow>
          </TableHead>
          <TableBody>
            {imports.map((entry) => (
              <TableRow key={entry.id} data-testid="recent-import" style={entry.id === activeId ? { background: '#f0f4ff' } : undefined}>
                <TableCell style={oneLine}><DateTime value={entry.createdAt} /></TableCell>
                <TableCell style={oneLine}>{entry.by.name || entry.by.email}</TableCell>
                <TableCell style={{ ...cell, minWidth: 140, overflowWrap: 'break-word' }}>{entry.fileName ?? '—'}</TableCell>
                <TableCell style={oneLine}>{entry.dryRun ? 'Dry run' : 'Apply'}</TableCell>
                <TableCell style={oneLine}>{STATES[entry.state] ?? entry.state}</TableCell>
                <TableCell style={{ ...cell, minWidth: 200 }}>{countsText(entry)}</TableCell>
                <TableCell style={{ ...cell, minWidth: 110 }}>
                  {entry.state === 'done' ? (
                    <>
                      <Button size="sm" variant="text" style={action} onClick={() => onOpen(entry)} data-testid="recent-import-open">
                        <Icon icon="Eye" /> Show
                      </Button>
                      <Button size="sm" variant="text" style={action} onClick={() => onDownload(entry)} data-testid="recent-import-download">
                        <Icon icon="Download" /> Report
                      </Button>
                    </>
                  ) : null}
                  {entry.state === 'queued' || entry.state === 'running' ? (
                    <>
                      {entry.id !== activeId ? (
                        <Button size="sm" variant="text" onClick={() => onFollow(entry)}>
                          <Icon icon="Activity" /> Follow
                        </Button>
                      ) : null}
                      <Button size="sm" variant="text" onClick={() => onCancel(entry.location)} data-testid="recent-import-cancel">
                        <Icon icon="X" /> Cancel
                      </Button>
                    </>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Box>
  )
}

export default RecentImports
