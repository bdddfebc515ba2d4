import React from 'react'
import { Box, MessageBox, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'

// A bulk edit's preview (or a refused apply): the counts, then the clients that would break a rule
// or are skipped, with why. Only the first hundred rows are drawn; a long table would bury the buttons.

const SHOWN_ERRORS = 100

function BulkEditPreview({ preview, labelOf }) {
  const errorRows = preview.rows.filter((row) => row.action === 'error' || row.action === 'skipped')
  return (
    <Box my="lg" data-testid="bulk-edit-preview">
      <MessageBox
        variant={preview.failed ? 'danger' : 'info'}
        mb="lg"
        message={`${preview.total} clients: ${preview.updated} will change, ${preview.unchanged} unchanged${preview.skipped ? `, ${preview.skipped} skipped (already set, left alone)` : ''}, ${preview.failed} with errors.`}
      />
      {errorRows.length ? (
        <Table>
          <TableHead>
            <TableRow>
              <TableCell>#</TableCell>
              <TableCell>Client</TableCell>
              <TableCell>Why not / skipped</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {errorRows.slice(0, SHOWN_ERRORS).map((row) => (
              <TableRow key={row.row}>
                <TableCell>{row.row}</TableCell>
                <TableCell>{row.login ?? `#${row.id ?? '?'}`}</TableCell>
                <TableCell style={{ whiteSpace: 'pre-wrap' }}>
                  {Object.entries(row.action === 'skipped' ? (row.skipped ?? {}) : row.errors)
                    .map(([name, message]) => `${labelOf(name)}: ${message}`)
                    .join('\n')}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      {errorRows.length > SHOWN_ERRORS ? <Text mt="lg">… and {errorRows.length - SHOWN_ERRORS} more.</Text> : null}
    </Box>
  )
}

export default BulkEditPreview
