import { randomUUID } from 'node:crypto'
import type { CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize } from 'sequelize'
import { isAdmin } from '../access/index.js'
import { reportJson, type FinishedReport, type ImportReport } from './import-report.js'

/**
 * The import page's "Recent imports": every import of a resource, the ones that ran in the request
 * too (recorded here as finished rows of import_jobs), newest first — a user's own, or everyone's
 * for an administrator — with who, when, which file, its state and its report's counts.
 */

const RECENT = 20

export type ImportCounts = Pick<ImportReport, 'total' | 'created' | 'updated' | 'unchanged' | 'failed'>

export const countsOf = ({ summary: { total, created, updated, unchanged, failed } }: FinishedReport): ImportCounts => ({ total, created, updated, unchanged, failed })

/** The name the browser sent, as a label only (never a path): at most 255 characters, no control characters. */
export const fileNameOf = (name: string | undefined) => (name ? name.replace(/[\u0000-\u001f\u007f]/g, '').slice(-255) || null : null)

export type RecentImport = {
  id: string
  state: 'queued' | 'running' | 'done' | 'refused' | 'failed' | 'cancelled'
  dryRun: boolean
  fileName: string | null
  rows: number
  counts: ImportCounts | null
  error: string | null
  by: { id: number; name: string; email: string }
  createdAt: string
  finishedAt: string | null
}

export async function recentImports(sequelize: Sequelize, resource: string, currentAdmin: CurrentAdmin): Promise<RecentImport[]> {
  const rows = (await sequelize.query(
    `SELECT j.id, j.status, j.dry_run, j.file_name, j.rows, j.counts, j.error, j.created_at, j.finished_at, u.id AS actor_id, u.name, u.email
       FROM import_jobs AS j JOIN admin_users AS u ON u.id = j.actor_id
      WHERE j.resource = :resource AND (CAST(:actor AS integer) IS NULL OR j.actor_id = CAST(:actor AS integer))
      ORDER BY j.created_at DESC LIMIT ${RECENT}`,
    { replacements: { resource, actor: isAdmin({ currentAdmin }) ? null : Number(currentAdmin.id) }, type: QueryTypes.SELECT },
  )) as Record<string, any>[]
  return rows.map((row) => ({
    id: row.id,
    state: row.status,
    dryRun: row.dry_run,
    fileName: row.file_name,
    rows: row.rows,
    counts: row.counts,
    error: row.error,
    by: { id: Number(row.actor_id), name: row.name, email: row.email },
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  }))
}

/** An import that ran in the request, on record as a finished job: its report can be read again at the job's address. */
export async function recordInlineImport(
  sequelize: Sequelize,
  entry: { resource: string; actor: CurrentAdmin; dryRun: boolean; fileName?: string; rows: number; report?: FinishedReport; error?: string },
) {
  const id = randomUUID()
  await sequelize.query(
    `INSERT INTO import_jobs (id, resource, actor_id, dry_run, rows, status, report, counts, error, file_name, attempts, started_at, finished_at)
     VALUES (:id, :resource, :actor, :dryRun, :rows, :status, CAST(:report AS jsonb), CAST(:counts AS jsonb), :error, :fileName, 1, now(), now())`,
    {
      replacements: {
        id,
        resource: entry.resource,
        actor: Number(entry.actor.id),
        dryRun: entry.dryRun,
        rows: entry.rows,
        status: entry.report ? 'done' : 'refused',
        report: entry.report ? await reportJson(entry.report) : null,
        counts: entry.report ? JSON.stringify(countsOf(entry.report)) : null,
        error: entry.error ?? null,
        fileName: fileNameOf(entry.fileName),
      },
    },
  )
  return id
}
