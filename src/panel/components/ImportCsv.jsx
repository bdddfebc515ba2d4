import React, { useState } from 'react'
import { Box, Button, Icon, Input, Label, MessageBox, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import { ActionHeader, useTranslation } from 'adminjs'

// "Import CSV": choose a file, see the dry run (what every row would do, each error under its
// column), then apply it all or nothing. The failed rows can be downloaded with an error column,
// fixed in a spreadsheet and uploaded again. Everything is checked by POST /admin/imports/<Resource>.

const ACTIONS = { create: 'Create', update: 'Update', unchanged: 'Unchanged', error: 'Error' }

// RFC 4180, enough to give back the rows of the file the user chose (quotes, commas, line breaks).
function parseCsv(text) {
  const rows = []
  let row = []
  let cell = ''
  let quoted = false
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i += 1) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), (i += 1)
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(cell), (cell = '')
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1
      row.push(cell), rows.push(row), (row = []), (cell = '')
    } else cell += c
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row)
  return rows.filter((r) => r.some((value) => value !== ''))
}

const count = (n) => Number(n ?? 0).toLocaleString('en')

// The job's answer while it runs (202): what it is doing, in rows.
function progressText(progress) {
  const { state, phase, total, checked, hashed, toHash, applied, toApply, message } = progress
  const doing =
    state === 'queued'
      ? `Waiting for a worker to start the import of ${count(total)} rows…`
      : phase === 'hashing'
        ? `Hashing new passwords: ${count(hashed)} of ${count(toHash)}…`
        : phase === 'applying'
          ? `Saving: ${count(applied)} of ${count(toApply)} rows written…`
          : `Checking rows: ${count(checked)} of ${count(total)}…`
  return message ? `${doing} (${message})` : doing
}

const share = ({ state, phase, total, checked, hashed, toHash, applied, toApply }) => {
  if (state === 'queued') return 0
  if (phase === 'hashing') return toHash ? hashed / toHash : 0
  if (phase === 'applying') return toApply ? applied / toApply : 1
  return total ? checked / total : 0
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const toCsv = (rows) => rows.map((row) => row.map((value) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(',')).join('\r\n')

const ImportCsv = (props) => {
  const { resource } = props
  const [file, setFile] = useState(null)
  const [report, setReport] = useState(null)
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  // Labels live in the panel's translations (AdminJS sends only the attribute names).
  const { translateProperty } = useTranslation()
  const labelOf = (name) => translateProperty(name, resource.id)

  const send = async (dryRun) => {
    setBusy(true)
    setError(null)
    try {
      const body = new FormData()
      body.append('dryRun', dryRun ? '1' : '0')
      body.append('file', file)
      let response = await fetch(`/admin/imports/${encodeURIComponent(resource.id)}`, { method: 'POST', body, credentials: 'same-origin' })
      // A long import runs as a job: poll its address until the report is there. The job goes on
      // without this page; a dropped connection (a deploy) is retried for a while.
      const location = response.headers.get('Location')
      let lostFor = 0
      let progress = response.status === 202 ? await response.json() : null
      while (response.status === 202) {
        setReport({ progress })
        await sleep(1000)
        try {
          response = await fetch(location, { credentials: 'same-origin' })
          if (response.status === 202) progress = await response.json()
          lostFor = 0
        } catch (failure) {
          lostFor += 1
          if (lostFor > 60) throw failure
        }
      }
      const answer = await response.json()
      if (!response.ok) {
        setReport(null)
        setError(answer.error ?? `The import failed (${response.status})`)
      } else setReport(answer)
    } catch (failure) {
      setError(String(failure))
    } finally {
      setBusy(false)
    }
  }

  const downloadFailed = async () => {
    const rows = parseCsv(await file.text())
    const failed = new Map(report.rows.filter((row) => row.action === 'error').map((row) => [row.row, row]))
    const out = [[...rows[0], 'Errors']]
    rows.slice(1).forEach((cells, i) => {
      const row = failed.get(i + 1)
      if (row) out.push([...cells, Object.entries(row.errors).map(([name, message]) => `${labelOf(name)}: ${message}`).join('; ')])
    })
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob(['\ufeff', toCsv(out)], { type: 'text/csv;charset=utf-8' }))
    link.download = `${file.name.replace(/\.csv$/i, '')}-errors.csv`
    link.click()
    URL.revokeObjectURL(link.href)
  }

  const errorColumns = report?.rows ? [...new Set(report.rows.flatMap((row) => Object.keys(row.errors)))] : []
  const finished = report?.rows && !report.dryRun && !report.failed

  return (
    <Box variant="container">
      {/* A full page has AdminJS's own header; a drawer has none. */}
      {props.action?.showInDrawer ? <ActionHeader omitActions {...props} /> : null}
      <Text mb="lg">
        Upload a CSV file in the export's layout (labels or field names as the header). Rows are matched to existing clients by Login: a known
        login updates the columns the file has, a new login creates a client. Nothing is saved until you apply, and then all rows or none.
      </Text>
      <Box mb="lg" display="flex" alignItems="flex-end" style={{ gap: 16 }}>
        <Box>
          <Label htmlFor="import-file">CSV file</Label>
          <Input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            data-testid="import-file"
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null)
              setReport(null)
              setError(null)
            }}
          />
        </Box>
        <Button disabled={!file || busy} onClick={() => send(true)} data-testid="import-dry-run">
          <Icon icon="Eye" /> Check (dry run)
        </Button>
        <Button variant="contained" disabled={!file || busy || !report?.rows || !report.dryRun || report.failed > 0} onClick={() => send(false)} data-testid="import-apply">
          <Icon icon="Upload" /> Apply
        </Button>
      </Box>
      {error ? <MessageBox mb="lg" variant="danger" message={error} data-testid="import-error" /> : null}
      {report?.progress ? (
        <Box mb="lg" data-testid="import-progress">
          <Text mb="sm">{progressText(report.progress)}</Text>
          <Box style={{ height: 8, background: '#eeeeef', borderRadius: 4, overflow: 'hidden', maxWidth: 480 }}>
            <Box style={{ height: 8, width: `${Math.round(share(report.progress) * 100)}%`, background: '#4268F6', transition: 'width .5s' }} />
          </Box>
        </Box>
      ) : null}
      {report?.rows ? (
        <>
          <MessageBox
            mb="lg"
            variant={report.failed ? 'danger' : finished ? 'success' : 'info'}
            data-testid="import-summary"
            message={
              finished
                ? `Saved: ${report.total} rows — ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged.`
                : `${report.dryRun ? 'Dry run' : 'Nothing saved'}: ${report.total} rows — ${report.created} to create, ${report.updated} to update, ${report.unchanged} unchanged, ${report.failed} with errors.`
            }
          />
          {report.failed ? (
            <Button mb="lg" onClick={downloadFailed} data-testid="import-download-errors">
              <Icon icon="Download" /> Download the failed rows (CSV with an error column)
            </Button>
          ) : null}
          <Table data-testid="import-report">
            <TableHead>
              <TableRow>
                <TableCell>Row</TableCell>
                <TableCell>Login</TableCell>
                <TableCell>Action</TableCell>
                {errorColumns.map((name) => (
                  <TableCell key={name}>{labelOf(name)}</TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {report.rows.slice(0, 1000).map((row) => (
                <TableRow key={row.row}>
                  <TableCell>{row.row}</TableCell>
                  <TableCell>{row.login}</TableCell>
                  <TableCell>{ACTIONS[row.action] ?? row.action}</TableCell>
                  {errorColumns.map((name) => (
                    <TableCell key={name} style={{ color: row.errors[name] ? '#c20012' : undefined }}>
                      {row.errors[name] ?? ''}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {report.rows.length > 1000 ? <Text mt="default">{`The first 1,000 of ${report.rows.length} rows are shown; the download lists every failed row.`}</Text> : null}
        </>
      ) : null}
    </Box>
  )
}

export default ImportCsv
