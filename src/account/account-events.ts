/**
 * Account events (logins, failed logins, lockouts, two-factor changes, password changes, ended
 * sessions) as change-history entries: resource 'AdminUser', record_id the user's id, the actor,
 * and where from (address, browser) in `changes`. Written directly: no row of admin_users changes.
 */
import type { Request } from 'express'
import type { Sequelize, Transaction } from 'sequelize'

export type AccountAction =
  | 'login'
  | 'login_failed'
  | 'lockout'
  | 'two_factor_enrolled'
  | 'two_factor_reset'
  | 'recovery_code_used'
  | 'password_changed'
  | 'session_ended'
  | 'settings_changed'

export const ACCOUNT_ACTIONS: readonly string[] = [
  'login', 'login_failed', 'lockout', 'two_factor_enrolled', 'two_factor_reset', 'recovery_code_used', 'password_changed', 'session_ended', 'settings_changed',
]

export type Actor = { id: number | null; email: string }

/** Where a request came from, as the history shows it. */
export const requestOrigin = (req: Request | undefined) => ({
  address: req?.ip ?? null,
  browser: String(req?.headers['user-agent'] ?? '').slice(0, 200) || null,
})

export async function recordAccountEvent(
  sequelize: Sequelize,
  event: { action: AccountAction; userId: number; actor: Actor; req?: Request; details?: Record<string, unknown> },
  transaction?: Transaction,
) {
  await sequelize.query(
    `INSERT INTO change_history (resource, record_id, action, actor_id, actor_email, changes)
     VALUES ('AdminUser', :userId, :action, :actorId, :actorEmail, CAST(:changes AS jsonb))`,
    {
      replacements: {
        userId: event.userId,
        action: event.action,
        actorId: event.actor.id,
        actorEmail: event.actor.email,
        changes: JSON.stringify({ ...requestOrigin(event.req), ...event.details }),
      },
      transaction,
    },
  )
}

/** One readable line for an account event's entry: "Logged in with a recovery code from 10.0.0.1 (Firefox …)". */
export function describeAccountEvent(action: string, details: Record<string, unknown> | undefined): string {
  const words: Record<string, string> = {
    login: 'Logged in',
    login_failed: 'Failed login',
    lockout: 'Account locked after too many failed logins',
    two_factor_enrolled: 'Two-factor login turned on',
    two_factor_reset: 'Two-factor login reset',
    recovery_code_used: 'Logged in with a recovery code',
    password_changed: 'Password changed',
    session_ended: 'Session ended',
    settings_changed: 'Panel setting changed',
  }
  const parts = [words[action] ?? action]
  if (typeof details?.reason === 'string') parts.push(`(${details.reason})`)
  if (typeof details?.setting === 'string') parts.push(`: ${details.setting} ${JSON.stringify(details.old)} → ${JSON.stringify(details.new)}`)
  if (details?.address) parts.push(`from ${details.address}`)
  if (details?.browser) parts.push(`— ${details.browser}`)
  return parts.join(' ')
}
