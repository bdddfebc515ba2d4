import React, { useEffect, useRef, useState } from 'react'
import { Box, Button, Icon, Input, Label, MessageBox, Text } from '@adminjs/design-system'
import { ActionHeader, useCurrentAdmin, useTranslation } from 'adminjs'
import ImportReport, { downloadCsv, reportRows } from './ImportReport.jsx'
import RecentImports from './RecentImports.jsx'

// "Import CSV": choose a CSV or XLSX file, see the dry run (what every row would do: each error
// under its column with the cell's value, each update's changes old → new), then apply it all or
// nothing. A long import runs as a job: its progress shows with an estimate of the time left and a
// Cancel; leaving the page and coming back follows it again. "Recent imports" lists the last
// imports with their reports. Everything is checked by POST /admin/imports/<Resource>.

const count = (n) => Number(n ?? 0).toLocaleString('en')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const isZip = async (file) => {
  const start = new Uint8Array(await file.slice(0, 4).arrayBuffer())
  return start[0] === 0x50 && start[1] === 0x4b && start[2] === 0x03 && start[3] === 0x04
}

/** What the dry run says about the Version column: changes made since the export are only caught where rows carry it. */
const versionNote = (versions, what) => {
  const rows = versions?.rowsWithoutVersion ?? []
  if (!rows.length) return null
  const them = rows.length === 1 ? `that ${what.record}` : `those ${what.records}`
  if (!versions.compared) return `The file has no Version column: changes made to ${them} since your export are not detected, and this import overwrites them.`
  const listed = rows.slice(0, 20).join(', ') + (rows.length > 20 ? ', …' : '')
  return `${rows.length === 1 ? 'Row' : `${rows.length} rows`} ${listed} ${rows.length === 1 ? 'has' : 'have'} no version to compare: changes made to ${them} since your export are overwritten.`
}

// RFC 4180 with the separator the server also finds (Excel's sep= line, or the header's most
// frequent of , ; tab): enough to give back the rows of the file the user chose.
function parseCsv(source) {
  let text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source
  const sep = /^sep=(.)\r?\n?/i.exec(text)
  let delimiter = ','
  if (sep) (delimiter = sep[1]), (text = text.slice(sep[0].length))
  else {
    const header = text.split(/\r\n|\n|\r/, 1)[0]
    const tally = [',', ';', '\t'].map((c) => [c, header.split(c).length])
    delimiter = tally.reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0]
  }
  const rows = []
  let row = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), (i += 1)
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === delimiter) row.push(cell), (cell = '')
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1
      row.push(cell), rows.push(row), (row = []), (cell = '')
    } else cell += c
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row)
  return rows.filter((r) => r.some((value) => value !== ''))
}

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

const duration = (seconds) => (seconds < 60 ? `${Math.max(1, Math.round(seconds))} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`)

/** The time left in the current step, from how fast it has gone since this page first saw it. */
function estimate(samples, progress) {
  const now = Date.now()
  const key = `${progress.state}:${progress.phase}`
  const current = share(progress)
  if (samples.key !== key) Object.assign(samples, { key, since: now, from: current })
  const elapsed = (now - samples.since) / 1000
  const done = current - samples.from
  if (progress.state === 'queued' || elapsed < 2 || done <= 0.005) return null
  return `about ${duration(((1 - current) * elapsed) / done)} left${progress.dryRun === false && progress.phase !== 'applying' ? ' in this step' : ''}`
}

const ImportCsv = (props) => {
  const { resource } = props
  // The registry entry's import key and names (src/panel/actions/import-action.ts).
  const what = { keyFields: ['login'], keyLabel: 'Login', record: 'client', records: 'clients', ...props.action?.custom }
  const [currentAdmin] = useCurrentAdmin()
  const [file, setFile] = useState(null)
  const [report, setReport] = useState(null)
  const [progress, setProgress] = useState(null)
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  const [recent, setRecent] = useState([])
  const [active, setActive] = useState(null)
  const samples = useRef({})
  const mounted = useRef(true)
  // Labels live in the panel's translations (AdminJS sends only the attribute names).
  const { translateProperty } = useTranslation()
  const labelOf = (name) => translateProperty(name, resource.id)
  const base = `/admin/imports/${encodeURIComponent(resource.id)}`

  const loadRecent = async () => {
    const response = await fetch(`${base}/jobs`, { credentials: 'same-origin' })
    if (!response.ok) return []
    const { imports } = await response.json()
    if (mounted.current) setRecent(imports)
    return imports
  }

  // Polls a job's address until it answers something else than 202. The job goes on without this
  // page; a dropped connection (a deploy) is retried for a while.
  const follow = async (location, first) => {
    setActive(location)
    samples.current = {}
    let response = first
    let lostFor = 0
    let body = first ? await first.json() : null
    while (!response || response.status === 202) {
      if (body && mounted.current) setProgress({ ...body, estimate: estimate(samples.current, body) })
      if (response) await sleep(1000)
      if (!mounted.current) return null
      try {
        response = await fetch(location, { credentials: 'same-origin' })
        body = await response.json()
        lostFor = 0
      } catch (failure) {
        lostFor += 1
        if (lostFor > 60) throw failure
      }
    }
    return { response, body }
  }

  const finish = ({ response, body }) => {
    setProgress(null)
    setActive(null)
    if (!response.ok) setError(body.error ?? `The import failed (${response.status})`)
    else setReport(body)
    loadRecent()
  }

  const run = async (work) => {
    setBusy(true)
    setError(null)
    try {
      const outcome = await work()
      if (outcome && mounted.current) finish(outcome)
    } catch (failure) {
      setError(String(failure))
    } finally {
      if (mounted.current) setBusy(false)
    }
  }

  const send = (dryRun) =>
    run(async () => {
      setReport(null)
      const body = new FormData()
      body.append('dryRun', dryRun ? '1' : '0')
      body.append('file', file)
      const response = await fetch(base, { method: 'POST', body, credentials: 'same-origin' })
      if (response.status !== 202) return { response, body: await response.json() }
      loadRecent()
      return follow(response.headers.get('Location'), response)
    })

  // Coming back to the page: a job of this user's still running is followed again.
  useEffect(() => {
    mounted.current = true
    loadRecent().then((imports) => {
      const running = imports.find((entry) => ['queued', 'running'].includes(entry.state) && String(entry.by.id) === String(currentAdmin?.id))
      if (running && mounted.current) run(() => follow(running.location))
    })
    return () => {
      mounted.current = false
    }
  }, [])

  const cancel = async (location) => {
    const response = await fetch(`${location}/cancel`, { method: 'POST', credentials: 'same-origin' })
    if (!response.ok && response.status !== 202) setError((await response.json()).error)
    loadRecent()
  }

  const readReport = async (entry) => {
    const response = await fetch(entry.location, { credentials: 'same-origin' })
    const body = await response.json()
    if (!response.ok) throw new Error(body.error ?? `The report could not be read (${response.status})`)
    return body
  }
  const open = (entry) => run(async () => setReport({ ...(await readReport(entry)), fileName: entry.fileName }))
  const download = (entry) => run(async () => downloadCsv(reportRows(await readReport(entry), labelOf, what), `${(entry.fileName ?? 'import').replace(/\.(csv|xlsx)$/i, '')}-report.csv`))

  const downloadFailed = async () => {
    const failed = new Map(report.rows.filter((row) => row.action === 'error').map((row) => [row.row, row]))
    const errorsOf = (row) => Object.entries(row.errors).map(([name, message]) => `${report.labels?.[name] ?? labelOf(name)}: ${message}`).join('; ')
    // An XLSX file is not read back here: its failed rows go out as the report's lines instead.
    if (await isZip(file)) return downloadCsv(reportRows({ ...report, rows: [...failed.values()] }, labelOf, what), `${file.name.replace(/\.xlsx$/i, '')}-errors.csv`)
    const rows = parseCsv(await file.text())
    const out = [[...rows[0], 'Errors']]
    rows.slice(1).forEach((cells, i) => {
      const row = failed.get(i + 1)
      if (row) out.push([...cells, errorsOf(row)])
    })
    downloadCsv(out, `${file.name.replace(/\.csv$/i, '')}-errors.csv`)
  }

  const fromThisFile = report && !report.fileName

  return (
    <Box variant="container">
      {/* A full page has AdminJS's own header; a drawer has none. */}
      {props.action?.showInDrawer ? <ActionHeader omitActions {...props} /> : null}
      <Text mb="lg">
        Upload a CSV or XLSX file in the export's layout (labels or field names as the header; a CSV separated by commas, semicolons or tabs).
        Rows are matched to existing {what.records} by {what.keyLabel}: a known one updates the columns the file has, a new one creates a {what.record}. The dry run
        lists every change; nothing is saved until you apply, and then all rows or none.
      </Text>
      <Box mb="lg" display="flex" flexWrap="wrap" alignItems="flex-end" style={{ gap: 16 }}>
        <Box>
          <Label htmlFor="import-file">CSV or XLSX file</Label>
          <Input
            id="import-file"
            type="file"
            accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
        <Button variant="contained" disabled={!file || busy || !fromThisFile || !report?.rows || !report.dryRun || report.failed > 0} onClick={() => send(false)} data-testid="import-apply">
          <Icon icon="Upload" /> Apply
        </Button>
      </Box>
      {error ? <MessageBox mb="lg" variant="danger" message={error} data-testid="import-error" /> : null}
      {progress ? (
        <Box mb="lg" data-testid="import-progress">
          <Text mb="sm">
            {progressText(progress)}
            {progress.estimate ? ` — ${progress.estimate}` : ''}
          </Text>
          <Box display="flex" alignItems="center" style={{ gap: 16 }}>
            <Box style={{ flex: 1, height: 8, background: '#eeeeef', borderRadius: 4, overflow: 'hidden', maxWidth: 480 }}>
              <Box style={{ height: 8, width: `${Math.round(share(progress) * 100)}%`, background: '#4268F6', transition: 'width .5s' }} />
            </Box>
            <Button size="sm" variant="outlined" onClick={() => cancel(active)} data-testid="import-cancel">
              <Icon icon="X" /> Cancel
            </Button>
          </Box>
        </Box>
      ) : null}
      {report?.rows ? (
        <>
          {report.dryRun && versionNote(report.versions, what) ? (
            <Text mb="default" data-testid="import-versions">
              {versionNote(report.versions, what)}
            </Text>
          ) : null}
          {report.fileName ? <Text mb="default" fontWeight="bold">{`Report of ${report.fileName}`}</Text> : null}
          <ImportReport key={`${report.dryRun}-${report.total}-${report.fileName ?? ''}`} report={report} labelOf={labelOf} keyOf={what} fileName={report.fileName ?? file?.name} onDownloadFailed={fromThisFile && file ? downloadFailed : undefined} />
        </>
      ) : null}
      <RecentImports imports={recent} activeId={recent.find((entry) => entry.location === active)?.id} onOpen={open} onDownload={download} onFollow={(entry) => run(() => follow(entry.location))} onCancel={cancel} />
    </Box>
  )
}

export default ImportCsv
