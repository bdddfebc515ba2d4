import React, { useState } from 'react'
import { Box, Button, Icon, MessageBox, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'

// The report of an import (a dry run or an apply), as the page shows it: the summary, the changes
// per column, and the rows — errors only, changes only or all — with each error's cell value
// beside its message and each update's changes old → new. Also its CSV download.

const ACTIONS = { create: 'Create', update: 'Update', unchanged: 'Unchanged', error: 'Error' }
const SHOWN_ROWS = 1000
const count = (n) => Number(n ?? 0).toLocaleString('en')

// Wide enough for a label or a message on a line or two: words wrap whole, never mid-word.
const cellStyle = { minWidth: 160, maxWidth: 360, whiteSpace: 'normal', wordBreak: 'normal', overflowWrap: 'normal', hyphens: 'none', verticalAlign: 'top' }
const valueStyle = { color: '#454655', fontFamily: 'monospace', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }

export const csvOf = (rows) => rows.map((row) => row.map((value) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(',')).join('\r\n')

export function downloadCsv(rows, name) {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(new Blob(['\ufeff', csvOf(rows)], { type: 'text/csv;charset=utf-8' }))
  link.download = name
  link.click()
  URL.revokeObjectURL(link.href)
}

/** A client import's key: the default where a page names none. */
const LOGIN = { keyFields: ['login'], keyLabel: 'Login' }

/** Every row of the report, one line per error or change: what a spreadsheet can sort and filter. */
export function reportRows(report, labelOf, keyOf = LOGIN) {
  const out = [['Row', keyOf.keyLabel, 'Action', 'Field', 'Value in the file', 'Error', 'Stored', 'Will be']]
  for (const row of report.rows) {
    const base = [String(row.row), row.login ?? '', ACTIONS[row.action] ?? row.action]
    const errors = Object.entries(row.errors ?? {})
    const changes = Object.entries(row.changes ?? {})
    for (const [name, message] of errors) out.push([...base, labelOf(name), row.values?.[name] ?? '', message, '', ''])
    for (const [name, { from, to }] of changes) out.push([...base, labelOf(name), '', '', from, to])
    if (!errors.length && !changes.length) out.push([...base, '', '', '', '', ''])
  }
  return out
}

const VIEWS = [
  ['errors', 'Errors only', (row) => row.action === 'error'],
  ['changes', 'Changes only', (row) => row.action === 'update' || row.action === 'create'],
  ['all', 'All', () => true],
]

const summaryText = (report) => {
  const finished = !report.dryRun && !report.failed
  return finished
    ? `Saved: ${count(report.total)} rows — ${count(report.created)} created, ${count(report.updated)} updated, ${count(report.unchanged)} unchanged.`
    : `${report.dryRun ? 'Dry run' : 'Nothing saved'}: ${count(report.total)} rows — ${count(report.created)} to create, ${count(report.updated)} to update, ${count(report.unchanged)} unchanged, ${count(report.failed)} with errors.`
}

const ImportReport = ({ report, labelOf: translated, onDownloadFailed, fileName, keyOf = LOGIN }) => {
  // The row's key (a login; a client and a sender name) and the errors about the match itself.
  const keyField = keyOf.keyFields[0]
  const labelOf = (name) => report.labels?.[name] ?? translated(name)
  const [view, setView] = useState('all')
  const matches = VIEWS.find(([key]) => key === view)[2]
  const rows = report.rows.filter(matches)
  // One column per field with an error; the key's own error goes under the key (one header per column).
  const errorColumns = [...new Set(report.rows.flatMap((row) => Object.keys(row.errors ?? {})))].filter((name) => name !== keyField)
  const hasChanges = report.rows.some((row) => row.changes)
  const changed = Object.entries(report.changedColumns ?? {}).sort((a, b) => b[1] - a[1])
  const finished = !report.dryRun && !report.failed

  return (
    <>
      <MessageBox mb="lg" variant={report.failed ? 'danger' : finished ? 'success' : 'info'} data-testid="import-summary" message={summaryText(report)} />
      {changed.length ? (
        <Box mb="lg" data-testid="import-changed-columns">
          <Text fontWeight="bold">{report.dryRun ? 'Changes per column (check them before you apply)' : 'Changes per column'}</Text>
          {changed.map(([name, rowsChanged]) => (
            <Text key={name}>{`${labelOf(name)}: ${count(rowsChanged)} ${rowsChanged === 1 ? 'row' : 'rows'}`}</Text>
          ))}
        </Box>
      ) : null}
      <Box mb="lg" display="flex" flexWrap="wrap" style={{ gap: 8 }}>
        {VIEWS.map(([key, label, filter]) => (
          <Button key={key} size="sm" variant={view === key ? 'contained' : 'outlined'} onClick={() => setView(key)} data-testid={`import-view-${key}`}>
            {`${label} (${count(report.rows.filter(filter).length)})`}
          </Button>
        ))}
        <Button size="sm" variant="text" onClick={() => downloadCsv(reportRows(report, labelOf), `${(fileName ?? 'import').replace(/\.(csv|xlsx)$/i, '')}-report.csv`)} data-testid="import-download-report">
          <Icon icon="Download" /> Report (CSV)
        </Button>
        {report.failed && onDownloadFailed ? (
          <Button size="sm" variant="text" onClick={onDownloadFailed} data-testid="import-download-errors">
            <Icon icon="Download" /> The failed rows (CSV with an error column)
          </Button>
        ) : null}
      </Box>
      <Box style={{ overflowX: 'auto' }}>
        <Table data-testid="import-report">
          <TableHead>
            <TableRow>
              <TableCell>Row</TableCell>
              <TableCell style={cellStyle}>{keyOf.keyLabel}</TableCell>
              <TableCell>Action</TableCell>
              {errorColumns.map((name) => (
                <TableCell key={name} style={cellStyle}>
                  {labelOf(name)}
                </TableCell>
              ))}
              {hasChanges ? <TableCell style={{ ...cellStyle, minWidth: 280 }}>Changes (stored → file)</TableCell> : null}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.slice(0, SHOWN_ROWS).map((row) => (
              <TableRow key={row.row}>
                <TableCell style={{ verticalAlign: 'top' }}>{row.row}</TableCell>
                <TableCell style={cellStyle}>
                  {row.login}
                  {row.errors?.[keyField] ? <Text style={{ color: '#c20012' }}>{row.errors[keyField]}</Text> : null}
                </TableCell>
                <TableCell style={{ verticalAlign: 'top' }}>{ACTIONS[row.action] ?? row.action}</TableCell>
                {errorColumns.map((name) => (
                  <TableCell key={name} style={{ ...cellStyle, color: row.errors?.[name] ? '#c20012' : undefined }}>
                    {row.errors?.[name] ?? ''}
                    {row.errors?.[name] && row.values && name in row.values ? <div style={valueStyle}>{`“${row.values[name]}”`}</div> : null}
                  </TableCell>
                ))}
                {hasChanges ? (
                  <TableCell style={{ ...cellStyle, minWidth: 280 }}>
                    {Object.entries(row.changes ?? {}).map(([name, { from, to }]) => (
                      <div key={name}>
                        <strong>{labelOf(name)}</strong>: <span style={valueStyle}>{from === '' ? '(empty)' : from}</span> → <span style={valueStyle}>{to === '' ? '(empty)' : to}</span>
                      </div>
                    ))}
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      {rows.length > SHOWN_ROWS ? <Text mt="default">{`The first ${count(SHOWN_ROWS)} of ${count(rows.length)} rows are shown; the report download lists every row.`}</Text> : null}
    </>
  )
}

export default ImportReport
