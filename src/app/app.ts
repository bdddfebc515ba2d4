// Before any router exists: a rejected promise of an async route handler (AdminJS's included) goes
// to the error handler below as an error, instead of going unhandled and ending the process.
import 'express-async-errors'
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import AdminJSExpress from '@adminjs/express'
import type AdminJS from 'adminjs'
import { NotFoundError } from 'adminjs'
import connectPgSimple from 'connect-pg-simple'
import express, { type NextFunction, type Request, type Response } from 'express'
import rateLimit from 'express-rate-limit'
import session from 'express-session'
import helmet from 'helmet'
import pg from 'pg'
import type { Logger } from 'pino'
import { pinoHttp } from 'pino-http'
import { createAccount } from '../account/account-routes.js'
import { escapeHtml, plainPage } from '../account/plain-page.js'
import { createSecretBox, DEVELOPMENT_KEY } from '../account/secret-box.js'
import { createTwoFactor } from '../account/two-factor.js'
import { buildAdmin } from './admin.js'
import { readAccount, readSession, rightsOf, type StoredAccount } from './session-rights.js'
import { createFastReadLane, fixedHeaders } from './fast-read-lane.js'
import { apiReads } from '../panel/adminjs-internals/api-reads.js'
import type { AppResource } from '../panel/adapter/app-resource.js'
import { allMatchingBulkEditRoute } from '../panel/actions/bulk-edit.js'
import { discardStaleComponentBundle, panelAssets } from '../panel/components.js'
import { listPreferencesRouter } from '../panel/list-preferences.js'
import { localFontsPath, rewriteFontLinks, serveLocalFonts } from '../panel/adminjs-internals/local-fonts.js'
import { cspScriptSources, hardenPanelPages, issueCspNonce } from '../panel/adminjs-internals/safe-pages.js'
import { createAuthenticator, type SessionAdmin } from '../auth/authenticate.js'
import { hashPassword } from '../auth/password-hashing.js'
import { PostgresThrottleStore } from '../auth/throttle-store.js'
import type { AppConfig } from '../config/env.js'
import type { Database } from '../db/database.js'
import { bulkShareOf } from '../db/bulk-share.js'
import { collapseSlashes } from '../http/canonical-path.js'
import { closeUnreadBodies, FORM_MAX_BYTES, limitRequestBodies, LOGIN_MAX_BYTES } from '../http/request-bodies.js'
import { refuseCrossSiteWrites } from '../http/same-origin.js'
import { isPageNavigation, loginUrlReturningTo, safeReturnPath } from '../http/return-to.js'
import { csvExportRoute, xlsxExportRoute } from '../exports/export-route.js'
import { createImportJobs, type ImportJobs } from '../imports/import-jobs.js'
import type { ImportOptions } from '../imports/import-options.js'
import { cancelImportRoute, csvImportRoute, importJobRoute, recentImportsRoute, sweepUploads } from '../imports/import-route.js'
import { createLogger } from '../config/logger.js'
import { defineModels, type Models } from '../models/index.js'
import { registry } from '../resources/registry.js'
import { COMPACT_EVERY_MS, compactSummary } from '../resources/client/client-summary.js'

export { createLogger }

declare module 'express-session' {
  interface SessionData {
    adminUser?: SessionAdmin
    redirectTo?: string
    /** The password the session was started with (see auth/password-stamp.ts). */
    passwordStamp?: string
  }
}

export type App = {
  app: express.Express
  admin: AdminJS
  models: Models
  logger: Logger
  /** The import job queue's worker on this instance (started with the app, stopped by close). */
  importJobs: ImportJobs
  /** The fast read lane in front of Express (fast-read-lane.ts), when config.fastReads is on. */
  fastReads?: { readonly answered: number }
  close: () => Promise<void>
}

export const SESSION_COOKIE = 'sms_admin.sid'
const TOUCH_EVERY_MS = 5 * 60 * 1000
/** The session's user as the database has it now, attached by the session store when it reads a session. */
const ACCOUNT = Symbol('account')

/** Answered with JSON (401 when logged out), never a redirect to the login page. */
/** Paths of bulk work (downloads, uploads, bulk edits), which yield to everything else. */
const isBulkWork = (path: string) => /^\/(exports|imports)\//i.test(path) || /^\/api\/resources\/[^/]+\/bulk\//i.test(path)
const isApiRequest = (req: Request) => req.originalUrl.startsWith('/admin/api/') || req.originalUrl.startsWith('/admin/exports/') || req.originalUrl.startsWith('/admin/imports/')

const logoutPage = (logoutPath: string, rootPath: string) =>
  plainPage(
    'Log out',
    `<form method="post" action="${logoutPath}">
<p>Log out of the panel?</p>
<div class="actions"><button type="submit" class="button">Log out</button><a href="${rootPath}">Back to the panel</a></div>
</form>`,
  )

/** A page a browser navigated to that could not be shown: what happened, in words, and a way back. */
/** An error's message as an answer carries it: never longer than a screen, whatever it names. */
const shortMessage = (message: string) => (message.length > 2000 ? `${message.slice(0, 1999)}…` : message)

const problemPage = (title: string, text: string, back: { href: string; label: string }, requestId?: string) =>
  plainPage(
    title,
    `<p>${escapeHtml(text)}</p>${requestId ? `<p>If you report this, quote: <code>${escapeHtml(requestId)}</code></p>` : ''}
<div class="actions"><a class="button" href="${escapeHtml(back.href)}">${escapeHtml(back.label)}</a></div>`,
  )

const REFUSAL_TITLES: Record<number, string> = {
  400: 'This could not be done',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found, or not yours',
  413: 'Too large',
  429: 'Too many requests',
}

/** What the login page keeps across its own round trip: the page to go back to, the e-mail typed. */
type LoginForm = { next?: string; email?: string }

export async function createApp(config: AppConfig, db: Database, logger: Logger = createLogger(config)): Promise<App> {
  const models = defineModels(db.sequelize, {
    allowPrivateWebhookHosts: config.allowPrivateWebhookHosts,
    hashPassword: (password) => hashPassword(password, config.bcryptRounds),
  })
  if (!config.isProduction) discardStaleComponentBundle()
  // Production never encrypts with the public development key (parseConfig refuses it too; this
  // holds for an app built from a config made otherwise).
  if (config.isProduction && !config.twoFactorKey) {
    throw new Error('TWO_FACTOR_KEY is required in production: it encrypts the two-factor secrets (see docs/deploy.md).')
  }
  const twoFactor = createTwoFactor(db.sequelize, createSecretBox(config.twoFactorKey ?? DEVELOPMENT_KEY))
  if (!config.twoFactorKey) logger.info('two-factor secrets use the fixed development key (set TWO_FACTOR_KEY to use your own)')
  const admin = await buildAdmin(models)
  // AdminJS renders its login page with what its handler knows (the action, the error message);
  // it also gets the page to go back to and the e-mail typed, so a wrong password clears neither.
  const loginForm = new AsyncLocalStorage<LoginForm>()
  const renderLogin = admin.renderLogin.bind(admin)
  admin.renderLogin = async (props) => {
    const form = loginForm.getStore() ?? {}
    const action = form.next ? `${props.action}?next=${encodeURIComponent(form.next)}` : props.action
    return renderLogin({ ...props, action, email: form.email ?? '' } as typeof props)
  }
  const app = express()
  app.disable('x-powered-by')
  // The panel's API answers are per user and never revalidated; hashing every body for an ETag is waste.
  app.set('etag', false)
  // Only named hops: a hop count or the proxies' addresses (env.ts refuses `true`).
  if (config.trustProxy) {
    const hops = Number(config.trustProxy)
    app.set('trust proxy', Number.isInteger(hops) ? hops : config.trustProxy.split(',').map((item) => item.trim()))
  }
  // First: any answer given before its request's body was read closes the connection.
  app.use(closeUnreadBodies)
  app.use(collapseSlashes)
  // Every other request under /admin is someone waiting on a click: bulk loops yield to it.
  const interactive = bulkShareOf(db.sequelize).interactive
  app.use('/admin', (req, res, next) => {
    if (isBulkWork(req.path)) return next()
    res.once('close', interactive.started())
    next()
  })
  app.use(issueCspNonce)

  const requestId = (req: IncomingMessage, res: ServerResponse) => {
    const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID()
    res.setHeader('x-request-id', id)
    return id
  }
  const httpLogger = pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
  })
  app.use(httpLogger)
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        // AdminJS renders its initial state and boot code as inline scripts: those carry this
        // response's nonce (panel/adminjs-internals/safe-pages.ts); no other inline script runs.
        'script-src': cspScriptSources,
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'upgrade-insecure-requests': config.isProduction ? [] : null,
      },
    },
    hsts: config.isProduction,
    // Not helmet's no-referrer: under it a browser sends `Origin: null` on the panel's own form
    // posts, and the same-origin check below could not tell them from another site's.
    referrerPolicy: { policy: 'same-origin' },
  })
  app.use(securityHeaders)

  app.get('/health', async (_req, res) => {
    try {
      await db.sequelize.query('SELECT 1')
      res.json({ status: 'ok' })
    } catch {
      res.status(503).json({ status: 'unavailable' })
    }
  })
  app.get('/', (_req, res) => res.redirect('/admin'))
  app.use(localFontsPath, serveLocalFonts())
  app.use(panelAssets.path, express.static(panelAssets.dir, { maxAge: '1h' }))
  app.use('/admin', rewriteFontLinks)
  app.use('/admin', hardenPanelPages)
  app.use('/admin', refuseCrossSiteWrites)
  // A refusal a browser navigated to (an export link with a bad filter, a download it may not
  // take) is a page in the panel's look with the refusal's words, not the JSON a script gets.
  app.use('/admin', (req, res, next) => {
    if (!isPageNavigation(req) || /^\/api\//i.test(req.path)) return next()
    const json = res.json.bind(res)
    res.json = (body?: any) => {
      if (res.statusCode < 400) return json(body)
      const text = typeof body?.error === 'string' ? body.error : 'This could not be done.'
      return res.type('html').send(problemPage(REFUSAL_TITLES[res.statusCode] ?? 'This could not be done', text, { href: '/admin', label: 'Back to the panel' }))
    }
    next()
  })

  const PgSession = connectPgSimple(session)
  /**
   * Two changes to the stock store, both to keep a page view to the queries it needs:
   * - Rolling sessions would write the session row on every request (a synchronous commit each,
   *   ~5 ms): the expiry is pushed forward at most once per TOUCH_EVERY_MS per session instead.
   *   The map only saves writes; losing it (a restart, another instance) costs one extra write.
   * - Reading a session also reads its user's current account (role, active, password stamp) in the same query,
   *   for the rights check below, which otherwise costs a query of its own on every request.
   */
  class PanelSessionStore extends PgSession {
    private readonly touchedAt = new Map<string, number>()

    get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void) {
      readSession(sessionPool, sid).then((found) => {
        if (!found) return callback(null, null)
        // Not enumerable: never saved back into the session.
        Object.defineProperty(found.sess, ACCOUNT, { value: found.account, enumerable: false })
        callback(null, found.sess)
      }, callback)
    }

    createSession(req: Request, sess: session.SessionData) {
      const account = (sess as unknown as Record<symbol, StoredAccount | null | undefined>)[ACCOUNT]
      const created = super.createSession(req, sess)
      ;(req as unknown as Record<symbol, unknown>)[ACCOUNT] = account
      return created
    }

    /** Whether touch would write this session's expiry now (the fast read lane leaves those requests to Express). */
    touchIsDue(sid: string, now = Date.now()) {
      return now - (this.touchedAt.get(sid) ?? 0) >= TOUCH_EVERY_MS
    }

    touch(sid: string, sessionData: session.SessionData, callback?: (error?: unknown) => void) {
      const now = Date.now()
      if (!this.touchIsDue(sid, now)) {
        callback?.()
        return
      }
      this.touchedAt.set(sid, now)
      if (this.touchedAt.size > 10_000) this.touchedAt.delete(this.touchedAt.keys().next().value!)
      super.touch(sid, sessionData, callback)
    }
  }
  const sessionPool = new pg.Pool({ connectionString: db.url, max: db.sidePoolMax })
  sessionPool.on('error', (error) => logger.warn({ err: error }, 'session pool connection lost'))
  const sessionStore = new PanelSessionStore({ pool: sessionPool, tableName: 'sessions', createTableIfMissing: false, pruneSessionInterval: 15 * 60 })
  const sessionOptions: session.SessionOptions = {
    store: sessionStore,
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, maxAge: config.sessionMaxAgeMs, path: '/' },
  }
  app.use('/admin', session(sessionOptions))
  const account = createAccount({
    config,
    sequelize: db.sequelize,
    models,
    twoFactor,
    paths: { root: '/admin', login: '/admin/login', logout: '/admin/logout' },
  })

  const loginPage = async (errorMessage: string) => admin.renderLogin({ action: admin.options.loginPath, errorMessage })

  // Rights are read from the database on every request: a demoted or deactivated user loses the
  // old rights at once, not at their next login; a session started with an older password ends.
  app.use('/admin', async (req, res, next) => {
    const current = req.session?.adminUser
    if (!current) return next()
    try {
      const loaded = (req as unknown as Record<symbol, StoredAccount | null | undefined>)[ACCOUNT]
      const user = loaded !== undefined ? loaded : await readAccount(sessionPool, current.id)
      const rights = rightsOf(req.session, user)
      if (rights.ended) {
        req.session.destroy(() => {
          if (isApiRequest(req)) res.status(401).json({ error: 'Your session has ended. Please log in again.' })
          else res.redirect(admin.options.loginPath)
        })
        return
      }
      if (!account.guard(req, res, user!)) return
      if (rights.changed) req.session.adminUser = rights.fresh
      next()
    } catch (error) {
      next(error)
    }
  })

  // A logged-out browser opening a page of the panel (a link to a client, an export) goes to the
  // login page, which comes back to it; the panel's own fetches and scripts keep their 401 JSON.
  app.use('/admin', (req, res, next) => {
    if (req.session?.adminUser || (req.method !== 'GET' && req.method !== 'HEAD') || !isPageNavigation(req)) return next()
    if (/^\/(login|logout|frontend|api)(\/|$)/i.test(req.path)) return next()
    res.redirect(loginUrlReturningTo(admin.options.loginPath, req.originalUrl, admin.options.rootPath))
  })

  // AdminJS adds its routes to this router after ours, so a path here matches exactly what the
  // AdminJS handler of that path matches (every spelling Express routes to it).
  const router = express.Router()
  const routePath = (path: string) => path.replace(admin.options.rootPath, '') || '/'

  const loginRoute = routePath(admin.options.loginPath)
  const returnPath = (req: Request) => safeReturnPath(req.query.next, admin.options.rootPath)
  router.get(loginRoute, (req, _res, next) => loginForm.run({ next: returnPath(req) }, next))

  // Per address: a burst of failed logins from one place is refused for a while (shared by instances).
  const addressThrottle = new PostgresThrottleStore(db.sequelize, 'address')
  router.post(
    routePath(admin.options.loginPath),
    rateLimit({
      windowMs: config.loginLockMinutes * 60 * 1000,
      limit: config.loginMaxFailures * 5,
      skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode === 302,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      store: addressThrottle,
      handler: async (_req, res) => {
        res.status(429).send(await loginPage(`Too many failed logins from your address. Try again in ${config.loginLockMinutes} minutes.`))
      },
    }),
  )
  limitRequestBodies(router, {
    routes: [
      { path: routePath(admin.options.loginPath), anonymous: true, rule: { limit: LOGIN_MAX_BYTES, files: false } },
    ],
    signedIn: { limit: FORM_MAX_BYTES, files: false },
    isSignedIn: (req) => Boolean(req.session?.adminUser),
  })

  // After the body is read: the e-mail goes back into a refused login's form, and a login that
  // succeeds goes back to the page it was asked for (the authenticator keeps redirectTo across the
  // new session; account-routes keeps it across the two-factor step). A refused login leaves no
  // session behind for it.
  router.post(loginRoute, (req, res, next) => {
    const email = (req as Request & { fields?: Record<string, unknown> }).fields?.email
    const form: LoginForm = { next: returnPath(req), email: typeof email === 'string' ? email.slice(0, 320) : undefined }
    if (form.next) {
      req.session.redirectTo = form.next
      const send = res.send.bind(res)
      res.send = (body?: unknown) => {
        delete req.session.redirectTo
        return send(body)
      }
    }
    loginForm.run(form, next)
  })

  // Logging out changes state, so it is a POST (the panel's menu sends one). GET shows a button
  // that does it: following a link, even from another site, logs nobody out.
  router.get(routePath(admin.options.logoutPath), (_req, res) => {
    res.type('html').send(logoutPage(admin.options.logoutPath, admin.options.rootPath))
  })
  router.post(routePath(admin.options.logoutPath), (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error)
      res.clearCookie(SESSION_COOKIE, { path: '/' })
      res.redirect(admin.options.loginPath)
    })
  })

  router.use(account.router)
  router.use(listPreferencesRouter(admin, db.sequelize))

  // Downloads the panel's list pages link to, behind the same session and rights check.
  for (const { definition } of registry.filter((entry) => entry.exportable)) {
    const download = { resource: admin.findResource(definition.name) as AppResource, definition, sequelize: db.sequelize, logger, writeTimeoutMs: config.exportWriteTimeoutMs }
    const copy = config.exportCopy && !db.embedded
    app.get(`/admin/exports/${definition.name}.csv`, csvExportRoute({ ...download, copy }))
    app.get(`/admin/exports/${definition.name}.xlsx`, xlsxExportRoute({ ...download, copy }))
  }

  // Before AdminJS's router: its multipart parser must not read the upload (this route streams it to disk).
  const importers: Record<string, ImportOptions> = Object.fromEntries(
    registry.flatMap(({ definition, importKey, valueRules, resetRules }) =>
      importKey
        ? [[definition.name, { model: models[definition.name], resource: admin.findResource(definition.name) as AppResource, definition, keyFields: importKey, valueRules, resetRules, bcryptRounds: config.bcryptRounds }]]
        : [],
    ),
  )
  const importJobs = createImportJobs({
    sequelize: db.sequelize,
    logger,
    settings: { pollSeconds: config.importJobPollSeconds, retryDelaySeconds: config.importJobRetryDelaySeconds, timeoutMinutes: config.importJobTimeoutMinutes, maxRows: config.importMaxRows, uploadDir: config.uploadDir },
    importers,
  })
  // Before the jobs start: the sweep removes this process id's folders too (a restart often reuses it).
  await sweepUploads(config.uploadDir, logger)
  await importJobs.start()
  for (const [resourceName, importer] of Object.entries(importers)) {
    app.post(
      `/admin/imports/${resourceName}`,
      csvImportRoute({
        ...importer,
        resourceName,
        uploadDir: config.uploadDir,
        maxBytes: config.importMaxBytes,
        maxRows: config.importMaxRows,
        inlineMaxRows: config.importInlineMaxRows,
        inlineMaxPasswords: config.importInlineMaxPasswords,
        jobs: importJobs,
        logger,
        sequelize: db.sequelize,
      }),
    )
  }
  const importable = `:resource(${Object.keys(importers).join('|')})`
  app.get(`/admin/imports/${importable}/jobs`, recentImportsRoute(db.sequelize))
  app.get(`/admin/imports/${importable}/jobs/:id`, importJobRoute(importJobs))
  app.post(`/admin/imports/${importable}/jobs/:id/cancel`, cancelImportRoute(importJobs))

  const authenticate = createAuthenticator(models, config, logger, { afterPassword: account.afterPassword, passwordFailed: account.passwordFailed })
  AdminJSExpress.buildAuthenticatedRouter(
    admin,
    {
      authenticate: authenticate as never,
      cookieName: SESSION_COOKIE,
      cookiePassword: config.sessionSecret,
    },
    router,
    sessionOptions,
  )
  let fastReads: App['fastReads']
  if (config.fastReads) {
    const lane = createFastReadLane({
      reads: apiReads(admin),
      resourceIds: new Set(registry.map((entry) => entry.definition.name)),
      sessionPool,
      touchIsDue: (sid) => sessionStore.touchIsDue(sid),
      cookieName: SESSION_COOKIE,
      secret: config.sessionSecret,
      guardStep: account.guardStep,
      interactive,
      httpLogger,
      logsSuccess: () => logger.isLevelEnabled('info'),
      requestId,
      securityHeaders: fixedHeaders(securityHeaders),
      parseQuery: app.get('query parser fn'),
      trustsProxy: app.get('trust proxy fn'),
    })
    // Why: Express has no hook in front of its own stack (the query parser, expressInit and every
    // middleware run first); every way into the app (app.listen, http.createServer(app),
    // supertest) calls app.handle, so the lane goes there.
    fastReads = lane
    const expressApp = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, callback?: unknown) => void }
    const handle = expressApp.handle
    expressApp.handle = function laneFirst(req, res, callback) {
      const read = lane.takes(req)
      if (!read) return handle.call(this, req, res, callback)
      lane.answer(req, res, read).then(
        (answered) => {
          if (!answered) handle.call(this, req, res, callback)
        },
        (error) => {
          logger.error({ err: error }, 'fast read failed after answering')
          res.destroy()
        },
      )
    }
  }
  app.use(allMatchingBulkEditRoute(admin.options.rootPath))
  app.use(admin.options.rootPath, router)

  // The home page's counts: the changes the triggers appended are folded in every few seconds
  // (readers add up whatever is still pending, so this only keeps their reads short).
  const compactor = setInterval(() => {
    compactSummary(db.sequelize).catch((error) => logger.warn({ err: error }, 'folding client count changes failed'))
  }, COMPACT_EVERY_MS).unref()

  const home = { href: admin.options.rootPath, label: 'Back to the panel' }
  app.use((req, res) => {
    if (isPageNavigation(req) && !req.originalUrl.startsWith('/admin/api/')) {
      res.status(404).type('html').send(problemPage('Page not found', 'There is no page at this address. It may have been moved, or the link was mistyped.', home))
    } else if (req.accepts(['json', 'html']) === 'json' || isApiRequest(req)) res.status(404).json({ error: 'Not found' })
    else res.status(404).type('text/plain').send('Not found')
  })
  // Never an HTML stack trace: a JSON body, with the request id to find the log line. A client's
  // mistake the error names (a body too large, a malformed form) answers its own 4xx.
  app.use((error: Error & { status?: number; expose?: boolean }, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof NotFoundError && isApiRequest(req) && !res.headersSent) {
      // AdminJS's bulk route throws when none of the ids is there (or visible to this user); its
      // record route answers the same case with a notice: so does this.
      res.json({ records: [], record: { params: {}, errors: {}, baseError: error.baseError }, notice: { type: 'error', message: 'Not found or not yours' } })
      return
    }
    const clientError = typeof error.status === 'number' && error.status >= 400 && error.status < 500
    if (clientError) req.log?.warn({ err: error }, 'request refused')
    else req.log?.error({ err: error }, 'request failed')
    if (res.headersSent) return
    // A page the browser navigated to (a download link, a form post) gets a page, never JSON.
    if (isPageNavigation(req) && !req.originalUrl.startsWith('/admin/api/')) {
      const [status, title, text] = clientError
        ? [error.status!, 'This request could not be read', error.expose ? shortMessage(error.message) : 'The panel could not read what was sent. Go back and try again.']
        : [500, 'Something went wrong', 'Something went wrong on our side. Please try again in a moment.']
      res.status(status).type('html').send(problemPage(title, text, home, String(req.id)))
      return
    }
    if (clientError) res.status(error.status!).json({ error: error.expose ? shortMessage(error.message) : 'This request could not be read.', requestId: req.id })
    else res.status(500).json({ error: 'Something went wrong on our side. Please try again.', requestId: req.id })
  })

  return {
    app,
    admin,
    models,
    logger,
    importJobs,
    fastReads,
    close: async () => {
      clearInterval(compactor)
      // First: a running import job rolls back and goes back to the queue while the pool is still open.
      await importJobs.stop()
      sessionStore.close()
      await sessionPool.end().catch(() => undefined)
    },
  }
}
