import type { Request } from 'express'
import type { Logger } from 'pino'
import { fn, col, where } from 'sequelize'
import type { AppConfig } from '../config/env.js'
import type { Models } from '../models/index.js'
import { hashPassword, verifyPassword } from './password-hashing.js'
import { passwordStamp } from './password-stamp.js'
import { PostgresThrottleStore } from './throttle-store.js'

/** The session's user; `timeZone` (their choice on My account, or null) travels to the panel's pages with it. */
export type SessionAdmin = { id: number; email: string; name: string; role: 'admin' | 'manager'; timeZone: string | null }

export const toSessionAdmin = (user: Record<Exclude<keyof SessionAdmin, 'timeZone'>, unknown> & { timeZone?: unknown }): SessionAdmin => ({
  id: Number(user.id),
  email: String(user.email),
  name: String(user.name),
  role: user.role as SessionAdmin['role'],
  timeZone: typeof user.timeZone === 'string' && user.timeZone ? user.timeZone : null,
})

/** Thrown with a message the login page shows as it is. */
export class LoginRefused extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Checks an e-mail and password. Attempts per account are counted in PostgreSQL, each one before
 * its password is checked (one atomic statement): parallel guesses each take a number, and only the
 * first `loginMaxFailures` of a window are checked at all. From the fourth on each answer is
 * slowed; after `loginMaxFailures` failures the account refuses logins for `loginLockMinutes`, on
 * every instance. A successful login clears the count. Other accounts are not affected.
 *
 * The login page shows only LoginRefused messages: anything else that goes wrong is logged and
 * shown as a plain "could not log you in".
 */
export type LoginHooks = {
  /** The password was right (the session is fresh): may hold the session for a second step. */
  afterPassword?: (user: SessionAdmin, req: Request) => Promise<'pending' | 'done'>
  /** A known account's password was wrong (already counted). */
  passwordFailed?: (user: SessionAdmin, req: Request | undefined) => Promise<void>
}

export function createAuthenticator(
  models: Models,
  config: Pick<AppConfig, 'loginMaxFailures' | 'loginLockMinutes' | 'loginSlowdownMs' | 'bcryptRounds'>,
  logger?: Logger,
  hooks: LoginHooks = {},
) {
  const failures = new PostgresThrottleStore(models.AdminUser.sequelize!, 'account')
  failures.windowMs = config.loginLockMinutes * 60 * 1000
  // Compared against when the e-mail is unknown, so both cases take as long. Made on first use
  // (on a hashing worker, off the event loop), not at start; forgotten if that fails (a crashed
  // worker), so one failure is not cached for the life of the process.
  let decoyHash: Promise<string> | undefined

  async function check(email: unknown, password: unknown, req: Request | undefined): Promise<SessionAdmin | null> {
    // A form field can arrive as a list or an object: anything but text is simply a wrong login.
    if (typeof email !== 'string' || typeof password !== 'string') return null
    const account = email.trim().toLowerCase()
    const attempt = await failures.increment(account)
    const earlierAttempts = attempt.totalHits - 1
    if (earlierAttempts >= config.loginMaxFailures) {
      const minutes = Math.max(1, Math.ceil(((attempt.resetTime?.getTime() ?? Date.now()) - Date.now()) / 60000))
      throw new LoginRefused(`Too many failed logins for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`)
    }
    if (earlierAttempts >= 3) await sleep(config.loginSlowdownMs * Math.min(8, 2 ** (earlierAttempts - 3)))

    const user = account
      ? await models.AdminUser.scope('withSecrets').findOne({ where: where(fn('lower', col('email')), account) })
      : null
    const hash = user
      ? String(user.get('passwordHash'))
      : await (decoyHash ??= hashPassword('decoy-password-never-used', config.bcryptRounds).catch((error) => {
          decoyHash = undefined
          throw error
        }))
    const matches = await verifyPassword(password, hash)
    if (user && !matches) await hooks.passwordFailed?.(toSessionAdmin(user.get({ plain: true })), req)
    if (!user || !matches) return null
    if (!user.get('active')) throw new LoginRefused('This account is deactivated. Ask an administrator to reactivate it.')

    let secondStepPending = false
    // A fresh session id on login: a session id planted before login is worth nothing after it.
    if (req?.session) {
      const redirectTo = req.session.redirectTo
      await new Promise<void>((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())))
      if (redirectTo) req.session.redirectTo = redirectTo
      req.session.passwordStamp = passwordStamp(hash)
      secondStepPending = (await hooks.afterPassword?.(toSessionAdmin(user.get({ plain: true })), req)) === 'pending'
    }
    // With a second step outstanding the count stays: it is cleared when that step succeeds, so a
    // known password does not buy fresh guesses at the code.
    if (!secondStepPending) await failures.resetKey(account)
    return toSessionAdmin(user.get({ plain: true }))
  }

  return async function authenticate(email: unknown, password: unknown, context?: { req: Request }): Promise<SessionAdmin | null> {
    try {
      return await check(email, password, context?.req)
    } catch (error) {
      if (error instanceof LoginRefused) throw error
      ;(context?.req.log ?? logger)?.error({ err: error }, 'login failed')
      throw new LoginRefused('We could not log you in just now. Please try again.')
    }
  }
}
