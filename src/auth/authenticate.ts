import type { Request } from 'express'
import { fn, col, where } from 'sequelize'
import type { AppConfig } from '../config/env.js'
import type { Models } from '../models/index.js'
import { hashPassword, verifyPassword } from './password-hashing.js'
import { PostgresThrottleStore } from './throttle-store.js'

export type SessionAdmin = { id: number; email: string; name: string; role: 'admin' | 'manager' }

export const toSessionAdmin = (user: Record<keyof SessionAdmin, unknown>): SessionAdmin => ({
  id: Number(user.id),
  email: String(user.email),
  name: String(user.name),
  role: user.role as SessionAdmin['role'],
})

/** Thrown with a message the login page shows as it is. */
export class LoginRefused extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Checks an e-mail and password. Failed attempts per account are counted in PostgreSQL: from the
 * fourth on each answer is slowed, and after `loginMaxFailures` the account refuses logins for
 * `loginLockMinutes`, on every instance. Other accounts are not affected.
 */
export function createAuthenticator(models: Models, config: Pick<AppConfig, 'loginMaxFailures' | 'loginLockMinutes' | 'bcryptRounds'>) {
  const failures = new PostgresThrottleStore(models.AdminUser.sequelize!, 'account')
  failures.windowMs = config.loginLockMinutes * 60 * 1000
  // Compared against when the e-mail is unknown, so both cases take as long. Made on first use
  // (on a hashing worker, off the event loop), not at start; forgotten if that fails (a crashed
  // worker), so one failure is not cached for the life of the process.
  let decoyHash: Promise<string> | undefined

  return async function authenticate(email: string, password: string, context?: { req: Request }): Promise<SessionAdmin | null> {
    const account = String(email ?? '').trim().toLowerCase()
    const known = await failures.get(account)
    if (known && known.totalHits >= config.loginMaxFailures) {
      const minutes = Math.max(1, Math.ceil(((known.resetTime?.getTime() ?? Date.now()) - Date.now()) / 60000))
      throw new LoginRefused(`Too many failed logins for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`)
    }
    if (known && known.totalHits >= 3) await sleep(Math.min(2000, 250 * 2 ** (known.totalHits - 3)))

    const user = account
      ? await models.AdminUser.scope('withSecrets').findOne({ where: where(fn('lower', col('email')), account) })
      : null
    const hash = user
      ? String(user.get('passwordHash'))
      : await (decoyHash ??= hashPassword('decoy-password-never-used', config.bcryptRounds).catch((error) => {
          decoyHash = undefined
          throw error
        }))
    const matches = await verifyPassword(String(password ?? ''), hash)
    if (!user || !matches) {
      await failures.increment(account)
      return null
    }
    if (!user.get('active')) throw new LoginRefused('This account is deactivated. Ask an administrator to reactivate it.')
    await failures.resetKey(account)

    // A fresh session id on login: a session id planted before login is worth nothing after it.
    const req = context?.req
    if (req?.session) {
      const redirectTo = (req.session as any).redirectTo
      await new Promise<void>((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())))
      if (redirectTo) (req.session as any).redirectTo = redirectTo
    }
    return toSessionAdmin(user.get({ plain: true }))
  }
}
