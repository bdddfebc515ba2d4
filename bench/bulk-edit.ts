import type pg from 'pg'
import { bulkEditFilter } from './config.js'
import { measure, measureWhile, type Measured, type Request } from './load.js'
import { listUnderBulkWork, type Check, type Row } from './report.js'

// The bulk-edit scenario (issue #17): every client a list filter matches gets another delivery
// status (a preview, then the change itself) while list page 1 is measured. Afterwards the
// clients are put back from the history entries the change wrote.

type Report = { total: number; updated: number; unchanged: number; failed: number }

const BULK_EDIT_LIMIT_MS = 10_000

export async function bulkEditScenario(options: {
  baseUrl: string
  headers: Record<string, string>
  list: Request
  idle: Measured
  db: pg.Pool
  log: (message: string) => void
}): Promise<{ row: Row; checks: Check[]; notes: string[] }> {
  const { baseUrl, headers, list, idle, db, log } = options
  const { rows: counted } = await db.query(`SELECT count(*)::int AS n FROM clients WHERE login ILIKE $1`, [`%${bulkEditFilter}%`])
  const matches: number = counted[0].n
  const url = `${baseUrl}/admin/api/resources/Client/bulk/bulkEdit?${new URLSearchParams({ 'filters.login': bulkEditFilter, allMatching: '1' })}`
  const post = async (dryRun: '1' | '0') => {
    const started = performance.now()
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ deliveryStatus: 'expired', dryRun }),
    })
    const text = await response.text()
    const ms = performance.now() - started
    if (response.status !== 200) throw new Error(`bulk edit (dryRun=${dryRun}): HTTP ${response.status}\n${text.slice(0, 300)}`)
    const body = JSON.parse(text) as { report?: Report; notice?: { type: string; message: string }; operation?: string }
    if (!body.report) throw new Error(`bulk edit (dryRun=${dryRun}): no report: ${text.slice(0, 300)}`)
    return { ms, bytes: text.length, ...body, report: body.report }
  }

  log('list page 1 idle, just before the bulk edit…')
  const idleHere = await measure(baseUrl, list)
  log(`bulk edit of ${matches.toLocaleString('en')} clients (login ~ "${bulkEditFilter}"), list page 1 measured meanwhile…`)
  const { measured, result } = await measureWhile(baseUrl, list, async () => {
    const preview = await post('1')
    const applied = await post('0')
    return { preview, applied }
  })
  const { preview, applied } = result
  if (preview.report.total !== matches) throw new Error(`bulk edit preview: ${preview.report.total} rows for ${matches} matching clients`)
  if (applied.notice?.type !== 'success' || !applied.operation) throw new Error(`bulk edit: ${JSON.stringify(applied.notice)}`)
  const { report } = applied
  if (report.updated + report.unchanged !== matches) throw new Error(`bulk edit: ${JSON.stringify({ ...report, rows: undefined })} for ${matches} matches`)

  const { rows: history } = await db.query(
    `SELECT count(*)::int AS entries, count(DISTINCT created_at)::int AS moments, count(DISTINCT actor_email)::int AS actors
       FROM change_history WHERE operation = $1`,
    [applied.operation],
  )
  const { entries, moments, actors } = history[0] as { entries: number; moments: number; actors: number }
  if (entries !== report.updated || moments !== 1 || actors !== 1) {
    throw new Error(`bulk edit history: ${entries} entries (${moments} transaction times, ${actors} actors) for ${report.updated} changed clients`)
  }

  // Back as they were, from the change's own history (the run's history is removed at the end).
  await db.query(
    `UPDATE clients AS c SET delivery_status = h.changes -> 0 ->> 'old'
       FROM change_history AS h WHERE h.operation = $1 AND h.record_id = c.id`,
    [applied.operation],
  )
  log(`bulk edit: preview ${preview.ms.toFixed(0)} ms, apply ${applied.ms.toFixed(0)} ms; list p99 ${measured.p99} ms meanwhile (idle just before ${idleHere.p99} ms, the run's idle ${idle.p99} ms)`)

  const totalMs = preview.ms + applied.ms
  const checks: Check[] = [
    {
      label: `bulk edit of ${matches.toLocaleString('en')} clients (preview + apply)`,
      target: `≤ ${BULK_EDIT_LIMIT_MS / 1000} s`,
      value: `${(totalMs / 1000).toFixed(2)} s (preview ${(preview.ms / 1000).toFixed(2)} s, apply ${(applied.ms / 1000).toFixed(2)} s)`,
      met: totalMs <= BULK_EDIT_LIMIT_MS,
    },
    listUnderBulkWork('list page 1 during the bulk edit', measured, idleHere, idle, `${measured.requests} requests; `),
  ]
  const notes = [
    `bulk edit: \`filters.login=${bulkEditFilter}\` matched ${matches.toLocaleString('en')} clients; ${report.updated.toLocaleString('en')} changed, ` +
      `${report.unchanged.toLocaleString('en')} already expired; ${entries.toLocaleString('en')} history entries, all with one transaction time and one ` +
      `operation reference; answers of ${(preview.bytes / 1024).toFixed(0)} KB (preview) and ${(applied.bytes / 1024).toFixed(0)} KB (apply, every row in the report). ` +
      `${measured.requests} list requests were answered during it. The clients were put back from the history afterwards.`,
  ]
  return { row: { name: `list page 1 during a bulk edit of ${matches.toLocaleString('en')} clients`, app: measured, checks }, checks, notes }
}
