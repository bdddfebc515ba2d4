import pg from 'pg'
import type { SessionData } from 'express-session'
import type { SecondFactorState } from '../account/account-routes.js'
import { toSessionAdmin, type SessionAdmin } from '../auth/authenticate.js'
import { passwordStampSql } from '../auth/password-stamp.js'
import type { PreparedStatement } from '../db/select-rows.js'

/**
 * A session and its user's account as the database has them now, read in one statement, and the
 * rights check made of them on every request. Shared by the session store (app.ts) and the fast
 * read lane (fast-read-lane.ts), so both read the same row and decide the same way.
 */

/** The session's user as the database has it now. */
export type StoredAccount = SessionAdmin & { active: boolean; passwordStamp: string } & SecondFactorState

// With the two-factor state in the same query: a requirement set since the session started holds
// at its next request, at no extra round trip.
const ACCOUNT_COLUMNS = `u.id, u.email, u.name, u.role, u.time_zone, u.active, ${passwordStampSql('u.password_hash')} AS password_stamp,
  EXISTS (SELECT 1 FROM admin_user_two_factor f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS two_factor_enrolled,
  (SELECT p.value #>> '{}' FROM panel_settings p WHERE p.key = 'two_factor_required') AS two_factor_required`

const toStoredAccount = (row: Record<string, any>): StoredAccount => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  timeZone: row.time_zone ?? null,
  active: row.active,
  passwordStamp: row.password_stamp,
  twoFactorEnrolled: row.two_factor_enrolled === true,
  twoFactorRequired: row.two_factor_required ?? 'off',
})

export type FoundSession = { sess: SessionData & Record<string, unknown>; account: StoredAccount | null }

/** The statement that reads a stored session that has not expired, with its user's account; `sid` as SQL (a parameter or a literal). */
export const sessionSql = (sid: string) => `SELECT s.sess, ${ACCOUNT_COLUMNS}
       FROM sessions s LEFT JOIN admin_users u ON u.id = (s.sess -> 'adminUser' ->> 'id')::int
      WHERE s.sid = ${sid} AND s.expire >= now()`

/**
 * sessionSql as a statement each pooled connection keeps prepared, for the hot reads that carry it
 * (fast-read-lane.ts): planning it cost more than running it, and more than the list's own
 * statements (pgbench, bench_1000000: 7,500–10,200 statements/s as text, 32,000–33,000 prepared).
 */
export const sessionStatement = (sid: string): PreparedStatement => ({
  name: 'hot_read_session',
  prepare: `PREPARE hot_read_session(text) AS ${sessionSql('$1')}`,
  execute: `EXECUTE hot_read_session(${pg.escapeLiteral(sid)})`,
})

/** The session and account in sessionSql's row (null for no row; the account null when the session names no user that exists). */
export function sessionOfRow(row: Record<string, any> | undefined): FoundSession | null {
  if (!row) return null
  const sess = typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess
  return { sess, account: row.id === null ? null : toStoredAccount(row) }
}

/** A stored session that has not expired, with its user's account (null when the session names no user that exists). */
export async function readSession(pool: pg.Pool, sid: string): Promise<FoundSession | null> {
  const {
    rows: [row],
  } = await pool.query(sessionSql('$1'), [sid])
  return sessionOfRow(row)
}

/** One user's account, for a session read without it. */
export async function readAccount(pool: pg.Pool, id: number): Promise<StoredAccount | null> {
  const { rows } = await pool.query(`SELECT ${ACCOUNT_COLUMNS} FROM admin_users u WHERE u.id = $1`, [id])
  return rows[0] ? toStoredAccount(rows[0]) : null
}

/**
 * Rights are read from the database on every request: a deactivated user, or a session started
 * with an older password, ends (`ended`); otherwise the session's user as it should now read,
 * and whether that differs from what the session holds (a renamed or demoted user).
 */
export function rightsOf(session: Pick<SessionData, 'adminUser' | 'passwordStamp'>, user: StoredAccount | null): { ended: true } | { ended: false; fresh: SessionAdmin; changed: boolean } {
  if (!user || !user.active || user.passwordStamp !== session.passwordStamp) return { ended: true }
  const fresh = toSessionAdmin(user)
  return { ended: false, fresh, changed: JSON.stringify(fresh) !== JSON.stringify(session.adminUser) }
}
