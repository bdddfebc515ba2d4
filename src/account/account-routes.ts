/**
 * A panel user's own account: the login's second step (/admin/login/two-factor), two-factor
 * enrolment, own password, own sessions, and the admin's two-factor setting and reset. Also owns
 * what a session may do on each request: its idle and absolute lifetime, and, until the second
 * step is done, nothing but that step.
 */
import { createHash } from 'node:crypto'
import express, { type Request, type Response } from 'express'
import type { SessionData } from 'express-session'
import type { Sequelize } from 'sequelize'
import type { SessionAdmin } from '../auth/authenticate.js'
import { verifyPassword } from '../auth/password-hashing.js'
import { passwordStamp } from '../auth/password-stamp.js'
import { PostgresThrottleStore } from '../auth/throttle-store.js'
import type { AppConfig } from '../config/env.js'
import { passwordField } from '../fields/presets.js'
import type { Models } from '../models/index.js'
import { recordAccountEvent, requestOrigin, type AccountAction } from './account-events.js'
import { browserName } from './browser-name.js'
import { mustUseTwoFactor, setTwoFactorRequirement, TWO_FACTOR_REQUIREMENTS, twoFactorRequirement, type TwoFactorRequirement } from './settings.js'
import { codePage, enrolPage, recoveryCodesPage } from './two-factor-page.js'
import { setOwnTimeZone } from './time-zone.js'
import type { TwoFactor } from './two-factor.js'

declare module 'express-session' {
  interface SessionData {
    /** Set after the password while the second step is outstanding: give a code, or enrol first. */
    twoFactorPending?: 'code' | 'enrol'
    /** Where the login wanted to go, kept for after the second step. */
    afterTwoFactor?: string
    /** This session gave a two-factor code (at login, or enrolling): a requirement set later does not ask again. */
    twoFactorPassed?: boolean
    startedAt?: number
    lastSeenAt?: number
    browser?: string
    address?: string
  }
}

/** A session user's two-factor state as the database has it now (read with the user on every request). */
export type SecondFactorState = { role: string; twoFactorEnrolled: boolean; twoFactorRequired: string }

/** What guard makes of a request (see guardStep): nothing to do is `{ ended: false, changes: {}, held: false }`. */
export type GuardStep = { ended: true } | { ended: false; changes: Partial<SessionData>; held: boolean }

export const TWO_FACTOR_PATH = '/login/two-factor'
/** What a session in the middle of its second step may reach (paths under /admin). */
const OPEN_WHILE_PENDING = new Set([TWO_FACTOR_PATH, '/api/account/two-factor', '/api/account/two-factor/confirm', '/logout', '/login'])
/** lastSeenAt is written at most this often (a session write), well inside any idle timeout. */
const SEEN_PRECISION_MS = 60 * 1000

type Deps = {
  config: AppConfig
  sequelize: Sequelize
  models: Models
  twoFactor: TwoFactor
  paths: { root: string; login: string; logout: string }
}

const sessionHandle = (sid: string) => createHash('sha256').update(sid).digest('hex').slice(0, 24)
const actorOf = (user: SessionAdmin) => ({ id: user.id, email: user.email })
/** The body as the panel's body reader left it (http/request-bodies.ts). */
const bodyOf = (req: Request) => ((req as Request & { fields?: Record<string, unknown> }).fields ?? {}) as Record<string, any>
const isApiPath = (originalUrl: string) => originalUrl.startsWith('/admin/api/')
const isApi = (req: Request) => isApiPath(req.originalUrl)

export function createAccount({ config, sequelize, models, twoFactor, paths }: Deps) {
  const failures = new PostgresThrottleStore(sequelize, 'account')
  failures.windowMs = config.loginLockMinutes * 60 * 1000
  const twoFactorUrl = `${paths.root}${TWO_FACTOR_PATH}`
  const record = (action: AccountAction, userId: number, actor: { id: number | null; email: string }, req?: Request, details?: Record<string, unknown>) =>
    recordAccountEvent(sequelize, { action, userId, actor, req, details })

  /** Counts an attempt of `email`'s account before it is checked; a refusal message when the account is locked. */
  async function countAttempt(email: string): Promise<string | null> {
    const attempt = await failures.increment(email.trim().toLowerCase())
    if (attempt.totalHits - 1 < config.loginMaxFailures) return null
    const minutes = Math.max(1, Math.ceil(((attempt.resetTime?.getTime() ?? Date.now()) - Date.now()) / 60000))
    return `Too many failed logins for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
  }
  async function failedAttempt(user: SessionAdmin, req: Request, reason: string) {
    await record('login_failed', user.id, actorOf(user), req, { reason })
    const count = await failures.get(user.email.trim().toLowerCase())
    if (count?.totalHits === config.loginMaxFailures) await record('lockout', user.id, actorOf(user), req)
  }

  /** Called by the authenticator once the password is right, in the fresh session. */
  async function afterPassword(user: SessionAdmin, req: Request): Promise<'pending' | 'done'> {
    const now = Date.now()
    const origin = requestOrigin(req)
    Object.assign(req.session, { startedAt: now, lastSeenAt: now, browser: origin.browser ?? undefined, address: origin.address ?? undefined })
    const enrolled = await twoFactor.isEnrolled(user.id)
    const pending = enrolled ? 'code' : mustUseTwoFactor(await twoFactorRequirement(sequelize), user.role) ? 'enrol' : undefined
    if (!pending) {
      await record('login', user.id, actorOf(user), req)
      return 'done'
    }
    req.session.twoFactorPending = pending
    req.session.afterTwoFactor = req.session.redirectTo
    // AdminJS's login handler redirects there.
    req.session.redirectTo = twoFactorUrl
    return 'pending'
  }

  /**
   * What guard does to a session on this request, worked out without doing it: end it, the
   * values to write into it, and whether the request is held at the second step. Also read by
   * the fast read lane (app/fast-read-lane.ts), which answers only when this says "nothing".
   */
  function guardStep(session: SessionData, state: SecondFactorState, request: { method: string; path: string; originalUrl: string }, now = Date.now()): GuardStep {
    const startedAt = session.startedAt ?? now
    const lastSeenAt = session.lastSeenAt ?? now
    if (now - startedAt > config.sessionMaxAgeMs || now - lastSeenAt > config.sessionIdleMs) return { ended: true }
    const changes: Partial<SessionData> = {}
    if (session.startedAt == null) changes.startedAt = now
    if (session.lastSeenAt == null || now - lastSeenAt > Math.min(SEEN_PRECISION_MS, config.sessionIdleMs / 4)) changes.lastSeenAt = now
    const required = TWO_FACTOR_REQUIREMENTS.includes(state.twoFactorRequired as TwoFactorRequirement) && mustUseTwoFactor(state.twoFactorRequired as TwoFactorRequirement, state.role)
    let pending = session.twoFactorPending
    if (required && !pending && !session.twoFactorPassed) {
      pending = changes.twoFactorPending = state.twoFactorEnrolled ? 'code' : 'enrol'
      if (request.method === 'GET' && !isApiPath(request.originalUrl)) changes.afterTwoFactor = request.originalUrl
    }
    return { ended: false, changes, held: Boolean(pending) && !OPEN_WHILE_PENDING.has(request.path.replace(/\/$/, '')) }
  }

  /**
   * Ends the session (answering 401 or the login page) when it outlived its lifetime; holds a
   * session mid-login at its second step. A session that never gave a code while two-factor login
   * is now required of its user (the setting changed after it started) is held there too: sent to
   * enrol, or to give a code when the user has enrolled since.
   */
  function guard(req: Request, res: Response, state: SecondFactorState): boolean {
    const step = guardStep(req.session, state, req)
    if (step.ended) {
      req.session.destroy(() => {
        if (isApi(req)) res.status(401).json({ error: 'Your session has ended. Please log in again.' })
        else res.redirect(paths.login)
      })
      return false
    }
    Object.assign(req.session, step.changes)
    if (step.held) {
      if (isApi(req)) res.status(401).json({ error: 'Finish logging in: two-factor code required.', twoFactorRequired: true })
      else res.redirect(twoFactorUrl)
      return false
    }
    return true
  }

  function finishLogin(req: Request, res: Response) {
    const next = req.session.afterTwoFactor && req.session.afterTwoFactor !== twoFactorUrl ? req.session.afterTwoFactor : paths.root
    req.session.twoFactorPassed = true
    delete req.session.twoFactorPending
    delete req.session.afterTwoFactor
    delete req.session.redirectTo
    req.session.save(() => res.redirect(302, next))
  }

  const router = express.Router()
  const pagePaths = { action: twoFactorUrl, logout: paths.logout }
  const current = (req: Request) => req.session.adminUser!
  const requireUser: express.RequestHandler = (req, res, next) => {
    if (!req.session?.adminUser) return isApi(req) ? res.status(401).json({ error: 'Please log in.' }) : res.redirect(paths.login)
    next()
  }
  const requireAdmin: express.RequestHandler = (req, res, next) => {
    if (req.session.adminUser?.role !== 'admin') return res.status(403).json({ error: 'Only administrators may do this.' })
    next()
  }
  const html = (res: Response, body: string, status = 200) => res.status(status).type('html').set('Cache-Control', 'no-store').send(body)

  router.get(TWO_FACTOR_PATH, requireUser, async (req, res) => {
    const pending = req.session.twoFactorPending
    if (!pending) return res.redirect(paths.root)
    if (pending === 'code') return html(res, codePage(pagePaths))
    const enrolment = await twoFactor.start(current(req).id, current(req).email)
    if (!enrolment) return html(res, codePage(pagePaths))
    html(res, enrolPage(pagePaths, enrolment))
  })

  router.post(TWO_FACTOR_PATH, requireUser, async (req, res) => {
    const pending = req.session.twoFactorPending
    if (!pending) return res.redirect(paths.root)
    const user = current(req)
    const code = typeof bodyOf(req).code === 'string' ? bodyOf(req).code : ''
    const locked = await countAttempt(user.email)
    if (locked) return html(res, codePage(pagePaths, locked), 429)
    if (pending === 'enrol') {
      const codes = await twoFactor.confirm(user.id, code)
      if (!codes) {
        await failedAttempt(user, req, 'wrong two-factor code')
        const enrolment = await twoFactor.start(user.id, user.email)
        return html(res, enrolment ? enrolPage(pagePaths, enrolment, 'That code is not right. Scan the new code and try again.') : codePage(pagePaths), 400)
      }
      await failures.resetKey(user.email.trim().toLowerCase())
      await record('two_factor_enrolled', user.id, actorOf(user), req)
      await record('login', user.id, actorOf(user), req, { twoFactor: 'enrolled' })
      const next = req.session.afterTwoFactor && req.session.afterTwoFactor !== twoFactorUrl ? req.session.afterTwoFactor : paths.root
      req.session.twoFactorPassed = true
      delete req.session.twoFactorPending
      delete req.session.afterTwoFactor
      delete req.session.redirectTo
      return req.session.save(() => html(res, recoveryCodesPage({ next, logout: paths.logout }, codes)))
    }
    const result = await twoFactor.check(user.id, code)
    if (!result.ok) {
      await failedAttempt(user, req, 'wrong two-factor code')
      return html(res, codePage(pagePaths, 'That code is not right, or it was used already.'), 401)
    }
    await failures.resetKey(user.email.trim().toLowerCase())
    if (result.via === 'recovery') await record('recovery_code_used', user.id, actorOf(user), req)
    await record('login', user.id, actorOf(user), req, { twoFactor: result.via })
    finishLogin(req, res)
  })

  // --- own account (JSON; the account page calls these) ---
  const api = express.Router()
  api.use(requireUser)

  api.get('/', async (req, res) => {
    const user = current(req)
    res.json({
      user,
      twoFactor: await twoFactor.state(user.id),
      twoFactorRequired: await twoFactorRequirement(sequelize),
      passwordRules: { minLength: passwordField.minLength, maxLength: passwordField.maxLength },
    })
  })

  api.post('/two-factor', async (req, res) => {
    const user = current(req)
    const enrolment = await twoFactor.start(user.id, user.email)
    if (!enrolment) return res.status(409).json({ error: 'Two-factor login is already on. Ask an administrator to reset it to enrol again.' })
    res.json(enrolment)
  })

  api.post('/two-factor/confirm', async (req, res) => {
    const user = current(req)
    const code = typeof bodyOf(req).code === 'string' ? bodyOf(req).code : ''
    const codes = await twoFactor.confirm(user.id, code)
    if (!codes) return res.status(400).json({ error: 'That code is not right. Check the time on your phone and try the current code.' })
    await record('two_factor_enrolled', user.id, actorOf(user), req)
    // A session held at enrolment may go on now.
    req.session.twoFactorPassed = true
    if (req.session.twoFactorPending === 'enrol') {
      delete req.session.twoFactorPending
      delete req.session.redirectTo
    }
    res.json({ recoveryCodes: codes })
  })

  api.post('/password', async (req, res) => {
    const user = current(req)
    const { currentPassword, newPassword, newPasswordConfirmation } = bodyOf(req) as Record<string, unknown>
    const min = passwordField.minLength ?? 10
    const max = passwordField.maxLength ?? 72
    // Every rule is checked on each submit and all failures answered at once, in form order, so
    // the page never makes the user fix one field per round trip.
    const problems: Record<string, string> = {}
    const newIsValid = typeof newPassword === 'string' && newPassword.length >= min && Buffer.byteLength(newPassword) <= max
    // The account page always sends the confirmation; a script may leave it out.
    const confirmationDiffers = newPasswordConfirmation !== undefined && newPasswordConfirmation !== newPassword
    const locked = await countAttempt(user.email)
    if (locked) return res.status(429).json({ error: locked })
    const row = await models.AdminUser.scope('withSecrets').findByPk(user.id)
    const currentIsRight = Boolean(row) && typeof currentPassword === 'string' && (await verifyPassword(currentPassword, String(row!.get('passwordHash'))))
    if (currentIsRight) await failures.resetKey(user.email.trim().toLowerCase())
    else {
      if (row) await failedAttempt(user, req, 'wrong current password')
      problems.currentPassword = 'The current password is not right.'
    }
    if (!newIsValid) problems.newPassword = `The new password needs ${min} to ${max} characters.`
    else if (currentIsRight && newPassword === currentPassword) problems.newPassword = 'The new password must differ from the current one.'
    if (confirmationDiffers) problems.newPasswordConfirmation = 'This does not match the new password.'
    if (!row || Object.keys(problems).length > 0) {
      return res.status(400).json({ errors: Object.fromEntries(Object.entries(problems).map(([field, message]) => [field, { message }])) })
    }
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(`SELECT set_config('app.actor_id', :id, true), set_config('app.actor_email', :email, true)`, {
        replacements: { id: String(user.id), email: user.email },
        transaction,
      })
      row.set('password', newPassword)
      await row.save({ transaction })
    })
    // Every other session was started with the old password and ends (their stamp no longer
    // matches, on every instance); this one goes on with the new stamp.
    req.session.passwordStamp = passwordStamp(String(row.get('passwordHash')))
    await record('password_changed', user.id, actorOf(user), req)
    res.json({ ok: true })
  })

  api.post('/time-zone', async (req, res) => {
    const result = await setOwnTimeZone(models, sequelize, current(req), bodyOf(req).timeZone)
    if ('error' in result) return res.status(400).json({ errors: { timeZone: { message: result.error } } })
    // This session's pages use it at once; every other session reads it with its next request.
    req.session.adminUser = { ...current(req), timeZone: result.timeZone }
    res.json(result)
  })

  async function listSessions(req: Request) {
    const user = current(req)
    const [rows] = (await sequelize.query(
      `SELECT sid, sess FROM sessions WHERE (sess -> 'adminUser' ->> 'id')::int = :id AND expire >= now()`,
      { replacements: { id: user.id } },
    )) as [{ sid: string; sess: unknown }[], unknown]
    const now = Date.now()
    return rows
      .map(({ sid, sess }) => ({ sid, data: (typeof sess === 'string' ? JSON.parse(sess) : sess) as Record<string, any> }))
      .filter(({ data }) => data.passwordStamp === req.session.passwordStamp && !data.twoFactorPending)
      .filter(({ data }) => !data.startedAt || (now - data.startedAt <= config.sessionMaxAgeMs && now - (data.lastSeenAt ?? data.startedAt) <= config.sessionIdleMs))
      .map(({ sid, data }) => ({
        sid,
        id: sessionHandle(sid),
        current: sid === req.sessionID,
        startedAt: data.startedAt ? new Date(data.startedAt).toISOString() : null,
        lastSeenAt: data.lastSeenAt ? new Date(data.lastSeenAt).toISOString() : null,
        browser: data.browser ?? null,
        /** "Chrome on macOS": what the account page shows (the raw header stays in `browser`). */
        browserName: browserName(data.browser),
        address: data.address ?? null,
      }))
      .sort((a, b) => String(b.lastSeenAt).localeCompare(String(a.lastSeenAt)))
  }
  api.get('/sessions', async (req, res) => {
    res.json({ sessions: (await listSessions(req)).map(({ sid: _sid, ...visible }) => visible) })
  })

  const endSession: express.RequestHandler<{ id: string }> = async (req, res) => {
    const user = current(req)
    const found = (await listSessions(req)).find((item) => item.id === req.params.id)
    if (!found) return res.status(404).json({ error: 'No such session of yours.' })
    await sequelize.query('DELETE FROM sessions WHERE sid = :sid', { replacements: { sid: found.sid } })
    await record('session_ended', user.id, actorOf(user), req, { session: { startedAt: found.startedAt, browser: found.browser, address: found.address } })
    if (found.current) return req.session.destroy(() => res.json({ ok: true, loggedOut: true }))
    res.json({ ok: true })
  }
  api.delete('/sessions/:id', endSession)
  api.post('/sessions/:id/end', endSession)

  // --- administrators: the two-factor setting and another user's reset ---
  api.get('/settings', requireAdmin, async (_req, res) => {
    res.json({ twoFactorRequired: await twoFactorRequirement(sequelize) })
  })
  api.post('/settings', requireAdmin, async (req, res) => {
    const value = bodyOf(req).twoFactorRequired
    if (!TWO_FACTOR_REQUIREMENTS.includes(value)) {
      return res.status(400).json({ errors: { twoFactorRequired: { message: `Choose one of: ${TWO_FACTOR_REQUIREMENTS.join(', ')}.` } } })
    }
    const admin = req.session.adminUser!
    // The change and its history entry commit together: a setting never changes unrecorded.
    await sequelize.transaction(async (transaction) => {
      const previous = await setTwoFactorRequirement(sequelize, value as TwoFactorRequirement, transaction)
      if (previous === value) return
      await recordAccountEvent(
        sequelize,
        { action: 'settings_changed', userId: admin.id, actor: actorOf(admin), req, details: { setting: 'twoFactorRequired', old: previous, new: value } },
        transaction,
      )
    })
    res.json({ twoFactorRequired: value })
  })
  const targetUser = async (id: string) => {
    const userId = Number(id)
    return Number.isInteger(userId) ? await models.AdminUser.findByPk(userId) : null
  }
  // Whether it is on, never the secret: the AdminUser record's "Reset two-factor" page shows it.
  api.get('/users/:id/two-factor', requireAdmin, async (req, res) => {
    const target = await targetUser(req.params.id)
    if (!target) return res.status(404).json({ error: 'No such user.' })
    res.json({ twoFactor: await twoFactor.state(Number(target.get('id'))) })
  })
  api.post('/users/:id/two-factor/reset', requireAdmin, async (req, res) => {
    const target = await targetUser(req.params.id)
    if (!target) return res.status(404).json({ error: 'No such user.' })
    const userId = Number(target.get('id'))
    const removed = await twoFactor.reset(userId)
    if (removed) await record('two_factor_reset', userId, actorOf(current(req)), req)
    res.json({ ok: true, reset: removed })
  })

  router.use('/api/account', api)

  const passwordFailed = async (user: SessionAdmin, req: Request | undefined) => {
    if (req) await failedAttempt(user, req, 'wrong password')
  }

  return { router, guard, guardStep, afterPassword, passwordFailed }
}

export type Account = ReturnType<typeof createAccount>
