import http from 'node:http'
import { PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import type pg from 'pg'
import { proxyHeaders } from './app-server.js'
import { measure, measureWhile, type Measured, type Request } from './load.js'
import { seconds } from './config.js'
import { rssMb, sleep } from './processes.js'
import { listUnderBulkWork, type Check } from './report.js'

// The import scenarios (issues #16, #28): a CSV file updating up to 100,000 existing clients (dry run,
// then apply), the same as an XLSX workbook (dry run) and a file of 1,000 new clients with passwords, timed end to end over HTTP while the
// server's RSS is sampled. The update file is checked and applied alone (its times and RSS), then
// a second update file is applied while list page 1 is measured; the creates run under that load
// for their first BENCH_SECONDS. (List load alone grows the server's heap: an RSS taken under it is the list's as much as
// the import's.) Created clients carry the bench's created-login prefix (removed after).

export type ImportBench = { checks: Check[]; notes: string[]; peaks: { name: string; mb: number }[] }

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)
export const csvFile = (rows: string[][]) => rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'

/** An XLSX workbook of `rows` (the first is the header), typed as a spreadsheet saves it, written with exceljs's streaming writer. */
export async function xlsxFile(rows: (string | number | boolean)[][]): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false })
  const sheet = workbook.addWorksheet('clients')
  for (const row of rows) sheet.addRow(row).commit()
  await workbook.commit()
  return Buffer.concat(chunks)
}

/** One HTTP exchange without fetch's 300 s header timeout (an apply of 1,000 bcrypt hashes may take longer). */
function send(target: URL, options: http.RequestOptions, body?: Buffer): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(target, options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export async function post(url: string, cookie: string, file: string | Buffer, dryRun: boolean, pid: number | undefined, filename = 'bench.csv') {
  let peak = pid ? (rssMb(pid) ?? 0) : 0
  const sampler = setInterval(() => {
    peak = Math.max(peak, pid ? (rssMb(pid) ?? 0) : 0)
  }, 200)
  const started = performance.now()
  try {
    const boundary = `----bench${Date.now()}`
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="dryRun"\r\n\r\n${dryRun ? '1' : '0'}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      Buffer.from(file),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const headers = { cookie, ...proxyHeaders }
    let response = await send(new URL('/admin/imports/Client', url), {
      method: 'POST',
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) },
    }, body)
    while (response.status === 202 && response.location) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      response = await send(new URL(response.location, url), { method: 'GET', headers })
    }
    const report = JSON.parse(response.text) as { total?: number; created?: number; updated?: number; unchanged?: number; failed?: number; error?: string }
    if (response.status !== 200 || report.failed) throw new Error(`import: HTTP ${response.status} ${response.text.slice(0, 300)}`)
    return { ms: performance.now() - started, peak, report }
  } finally {
    clearInterval(sampler)
  }
}

/**
 * Update files for the first `count` clients by id: each raises every client's notification limit
 * by `step`, so a file whose step no apply used before changes every row it names.
 */
export async function updateFiles(db: pg.Pool, count: number): Promise<{ clients: number; updateFile: (step: number) => string }> {
  const { rows } = await db.query<{ login: string; notification_limit: number | null }>(`SELECT login, notification_limit FROM clients ORDER BY id LIMIT ${Number(count)}`)
  return {
    clients: rows.length,
    updateFile: (step) => csvFile([['Login', 'Notification limit'], ...rows.map((row) => [row.login, String((row.notification_limit ?? 0) + step)])]),
  }
}

export async function importBench(options: {
  url: string
  cookie: string
  db: pg.Pool
  pid?: number
  createdPrefix: string
  managerEmail: string
  /** List page 1, measured while the applies run (and idle just before each), and the run's first idle measurement. */
  list: Request
  idle: Measured
  /** New clients with passwords in the create scenario (1,000 for the target). */
  creates?: number
  /** A correct login, measured on a few connections while the creates' passwords are hashed (issue #25). */
  login?: Request
  log: (message: string) => void
}): Promise<ImportBench> {
  const { url, cookie, db, pid, log, list, idle } = options
  const duringImport = (label: string, measured: Measured, idleHere: Measured): Check =>
    listUnderBulkWork(`list page 1 during ${label}`, measured, idleHere, idle, `${measured.requests} requests; `)
  const checks: Check[] = []
  const notes: string[] = []

  const { clients: n, updateFile } = await updateFiles(db, 100_000)
  const before = pid ? (rssMb(pid) ?? 0) : 0
  log(`import: ${n.toLocaleString('en')}-row update file (${(updateFile(1).length / 1024 / 1024).toFixed(1)} MB), RSS ${before.toFixed(0)} MB, dry run…`)
  const dry = await post(url, cookie, updateFile(1), true, pid)
  log(`import dry run: ${(dry.ms / 1000).toFixed(1)} s, peak RSS ${dry.peak.toFixed(0)} MB`)
  log('import apply…')
  const apply = await post(url, cookie, updateFile(1), false, pid)
  log(`import apply: ${(apply.ms / 1000).toFixed(1)} s, ${apply.report.updated} updated, peak RSS ${apply.peak.toFixed(0)} MB`)
  log('list page 1 idle, just before the import apply under load…')
  const idleBeforeApply = await measure(url, list)
  log('import apply of a second update file, list page 1 measured meanwhile…')
  const { measured: listDuringApply, result: loaded } = await measureWhile(url, list, () => post(url, cookie, updateFile(2), false, pid))
  log(`import apply under list load: ${(loaded.ms / 1000).toFixed(1)} s, ${loaded.report.updated} updated, peak RSS ${loaded.peak.toFixed(0)} MB; list p99 ${listDuringApply.p99} ms meanwhile (idle just before ${idleBeforeApply.p99} ms, the run's idle ${idle.p99} ms)`)
  // The same 100,000 rows as an XLSX workbook (issue #28), a typed column of each kind a
  // spreadsheet writes (text, number, boolean), dry run only.
  const { rows: typed } = await db.query(`SELECT login, notification_limit, allow_credit, can_send_api FROM clients ORDER BY id LIMIT 100000`)
  const workbook = await xlsxFile([
    ['Login', 'Notification limit', 'Allow credit', 'Can Send via API'],
    ...typed.map((row: { login: string; notification_limit: number | null; allow_credit: string; can_send_api: boolean }) => [row.login, (row.notification_limit ?? 0) + 3, Number(row.allow_credit), row.can_send_api]),
  ])
  log(`import: ${typed.length.toLocaleString('en')}-row XLSX update file (${(workbook.length / 1024 / 1024).toFixed(1)} MB), dry run…`)
  const xlsxDry = await post(url, cookie, workbook, true, pid, 'bench.xlsx')
  log(`import XLSX dry run: ${(xlsxDry.ms / 1000).toFixed(1)} s, ${xlsxDry.report.updated} to update, ${xlsxDry.report.unchanged} unchanged, peak RSS ${xlsxDry.peak.toFixed(0)} MB`)
  if (xlsxDry.report.updated !== typed.length) throw new Error(`import XLSX dry run: ${xlsxDry.report.updated} updates, expected ${typed.length}`)
  const peak = Math.max(dry.peak, apply.peak)
  checks.push(
    {
      label: `import XLSX dry run (${typed.length.toLocaleString('en')} updates)`,
      target: '≤ 45 s',
      value: `${(xlsxDry.ms / 1000).toFixed(1)} s (peak RSS ${xlsxDry.peak.toFixed(0)} MB)`,
      met: xlsxDry.ms <= 45_000,
    },
    { label: `import dry run (${n.toLocaleString('en')} updates)`, target: '≤ 30 s', value: `${(dry.ms / 1000).toFixed(1)} s`, met: dry.ms <= 30_000 },
    { label: `import apply (${n.toLocaleString('en')} updates)`, target: '≤ 60 s', value: `${(apply.ms / 1000).toFixed(1)} s`, met: apply.ms <= 60_000 },
    { label: 'server RSS during the import', target: '≤ 300 MB', value: `${peak.toFixed(0)} MB (${before.toFixed(0)} MB before; dry run ${dry.peak.toFixed(0)} MB, apply ${apply.peak.toFixed(0)} MB)`, met: peak <= 300 },
    duringImport(`the import apply (${n.toLocaleString('en')} updates)`, listDuringApply, idleBeforeApply),
  )

  const creates = options.creates ?? 1000
  const createFile = csvFile([
    ['Login', 'Password', 'Manager', 'E-mail'],
    ...Array.from({ length: creates }, (_, i) => [`${options.createdPrefix}imp-${i}`, `bench-secret-${i}-x`, options.managerEmail, `imp-${i}@bench.example`]),
  ])
  log('list page 1 idle, just before the import of new passwords…')
  const idleBeforeCreates = await measure(url, list)
  log(`import: ${creates} new clients with passwords, apply, list page 1 measured during its first ${seconds} s…`)
  // Only a window of it under list load: a saturating load for all of it would leave the
  // low-priority hashing workers little CPU, and the creates' time would be the load's.
  const creating = post(url, cookie, createFile, false, pid)
  const { measured: listDuringCreates } = await measureWhile(url, list, () => Promise.race([creating, sleep(seconds * 1000)]))
  // Then logins, two at a time, while the hashing goes on: a login has its own bcrypt lane and
  // must not wait behind the import's (issue #25: ≤ 2 s).
  let loginsDuringCreates: Measured | undefined
  if (options.login) {
    log(`logins (2 connections) for ${seconds} s while the import hashes…`)
    ;({ measured: loginsDuringCreates } = await measureWhile(url, options.login, () => Promise.race([creating, sleep(seconds * 1000)]), { connections: 2 }))
    log(`logins during the import: p50 ${loginsDuringCreates.p50} ms, p99 ${loginsDuringCreates.p99} ms, ${loginsDuringCreates.requests} answered`)
  }
  const created = await creating
  log(`import creates: ${(created.ms / 1000).toFixed(1)} s, ${created.report.created} created, peak RSS ${created.peak.toFixed(0)} MB; list p99 ${listDuringCreates.p99} ms meanwhile`)
  checks.push(
    { label: `import of ${creates} new clients with passwords`, target: '≤ 180 s', value: `${(created.ms / 1000).toFixed(1)} s (peak RSS ${created.peak.toFixed(0)} MB)`, met: created.ms <= 180_000 },
    duringImport(`the import of ${creates} new clients with passwords`, listDuringCreates, idleBeforeCreates),
  )
  if (loginsDuringCreates) {
    checks.push({
      label: `a login while ${creates} passwords are imported`,
      target: 'p99 ≤ 2 s',
      value: `p99 ${(loginsDuringCreates.p99 / 1000).toFixed(2)} s (p50 ${(loginsDuringCreates.p50 / 1000).toFixed(2)} s; ${loginsDuringCreates.requests} logins, ${loginsDuringCreates.bad} not 302)`,
      met: loginsDuringCreates.p99 <= 2000 && loginsDuringCreates.requests > 0,
    })
  }
  notes.push(
    `import: the second ${n.toLocaleString('en')}-row update file took ${(loaded.ms / 1000).toFixed(1)} s to apply while list page 1 was under load (${listDuringApply.requests} list requests answered), ` +
      `peak RSS ${loaded.peak.toFixed(0)} MB then; the ${creates} creates peaked at ${created.peak.toFixed(0)} MB (list load during their first ${seconds} s).`,
    `import: ${creates} bcrypt hashes (cost 12) in ${(created.ms / 1000).toFixed(1)} s = ${(creates / (created.ms / 1000)).toFixed(1)} hashes/s ` +
      `on the low-priority workers; 100,000 new passwords would take ${((100_000 / (creates / (created.ms / 1000))) / 3600).toFixed(1)} h at that rate.`,
  )
  const peaks = [
    { name: `import dry run (${n.toLocaleString('en')} updates)`, mb: dry.peak },
    { name: `import apply (${n.toLocaleString('en')} updates)`, mb: apply.peak },
    { name: 'import apply under list load', mb: loaded.peak },
    { name: `import of ${creates} new clients with passwords (list, then logins, meanwhile)`, mb: created.peak },
  ]
  return { checks, notes, peaks }
}
