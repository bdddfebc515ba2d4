import { randomUUID } from 'node:crypto'
import AdminJSExpress from '@adminjs/express'
import type AdminJS from 'adminjs'
import connectPgSimple from 'connect-pg-simple'
import express, { type NextFunction, type Request, type Response } from 'express'
import rateLimit from 'express-rate-limit'
import session from 'express-session'
import helmet from 'helmet'
import pg from 'pg'
import type { Logger } from 'pino'
import { pinoHttp } from 'pino-http'
import { buildAdmin } from './admin/admin.js'
import type { AppResource } from './admin/app-resource.js'
import { allMatchingBulkEditRoute } from './admin/bulk-edit.js'
import { discardStaleComponentBundle } from './admin/components.js'
import { localFontsPath, rewriteFontLinks, serveLocalFonts } from './admin/local-fonts.js'
import { createAuthenticator, toSessionAdmin, type SessionAdmin } from './auth/authenticate.js'
import { PostgresThrottleStore } from './auth/throttle-store.js'
import type { AppConfig } from './config/env.js'
import type { Database } from './db/database.js'
import { csvExportRoute } from './exports/export-route.js'
import { csvImportRoute } from './imports/import-route.js'
import { createLogger } from './logger.js'
import { defineModels, type Models } from './models/index.js'
import { clientDefinition } from './resources/client/client.fields.js'

export { createLogger }

declare module 'express-session' {
  interface SessionData {
    adminUser?: SessionAdmin
    redirectTo?: string
  }
}

export type App = {
  app: express.Express
  admin: AdminJS
  models: Models
  logger: Logger
  close: () => Promise<void>
}

export const SESSION_COOKIE = 'sms_admin.sid'
const TOUCH_EVERY_MS = 5 * 60 * 1000
/** The session's user as the database has it now, attached by the session store when it reads a session. */
const ACCOUNT = Symbol('account')
type StoredAccount = SessionAdmin & { active: boolean }

/** Answered with JSON (401 when logged out), never a redirect to the login page. */
const isApiRequest = (req: Request) => req.originalUrl.startsWith('/admin/api/') || req.originalUrl.startsWith('/admin/exports/') || req.originalUrl.startsWith('/admin/imports/')

export async function createApp(config: AppConfig, db: Database, logger: Logger = createLogger(config)): Promise<App> {
  const models = defineModels(db.sequelize, config)
  if (!config.isProduction) discardStaleComponentBundle()
  const admin = buildAdmin(models)
  const app = express()
  app.disable('x-powered-by')
  // The panel's API answers are per user and never revalidated; hashing every body for an ETag is waste.
  app.set('etag', false)
  if (config.trustProxy) {
    const hops = Number(config.trustProxy)
    app.set('trust proxy', Number.isInteger(hops) ? hops : config.trustProxy === 'true' ? true : config.trustProxy)
  }

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID()
        res.setHeader('x-request-id', id)
        return id
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  )
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // AdminJS renders its initial state and boot code as inline scripts.
          'script-src': ["'self'", "'unsafe-inline'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'upgrade-insecure-requests': config.isProduction ? [] : null,
        },
      },
      hsts: config.isProduction,
    }),
  )

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
  app.use('/admin', rewriteFontLinks)

  const PgSession = connectPgSimple(session)
  /**
   * Two changes to the stock store, both to keep a page view to the queries it needs:
   * - Rolling sessions would write the session row on every request (a synchronous commit each,
   *   ~5 ms): the expiry is pushed forward at most once per TOUCH_EVERY_MS per session instead.
   *   The map only saves writes; losing it (a restart, another instance) costs one extra write.
   * - Reading a session also reads its user's current account (role, active) in the same query,
   *   for the rights check below, which otherwise costs a query of its own on every request.
   */
  class PanelSessionStore extends PgSession {
    private readonly touchedAt = new Map<string, number>()

    get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void) {
      sessionPool
        .query(
          `SELECT s.sess, u.id, u.email, u.name, u.role, u.active
             FROM sessions s LEFT JOIN admin_users u ON u.id = (s.sess -> 'adminUser' ->> 'id')::int
            WHERE s.sid = $1 AND s.expire >= now()`,
          [sid],
        )
        .then(({ rows: [row] }) => {
          if (!row) return callback(null, null)
          const sess = typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess
          const account: StoredAccount | null = row.id === null ? null : { id: row.id, email: row.email, name: row.name, role: row.role, active: row.active }
          // Not enumerable: never saved back into the session.
          Object.defineProperty(sess, ACCOUNT, { value: account, enumerable: false })
          callback(null, sess)
        }, callback)
    }

    createSession(req: Request, sess: session.SessionData) {
      const account = (sess as unknown as Record<symbol, StoredAccount | null | undefined>)[ACCOUNT]
      const created = super.createSession(req, sess)
      ;(req as unknown as Record<symbol, unknown>)[ACCOUNT] = account
      return created
    }

    touch(sid: string, sessionData: session.SessionData, callback?: (error?: unknown) => void) {
      const now = Date.now()
      if (now - (this.touchedAt.get(sid) ?? 0) < TOUCH_EVERY_MS) {
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

  const loginPage = async (errorMessage: string) => admin.renderLogin({ action: admin.options.loginPath, errorMessage })

  // Per address: a burst of failed logins from one place is refused for a while (shared by instances).
  const addressThrottle = new PostgresThrottleStore(db.sequelize, 'address')
  app.post(
    '/admin/login',
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

  // Rights are read from the database on every request: a demoted or deactivated user loses the
  // old rights at once, not at their next login.
  app.use('/admin', async (req, res, next) => {
    const current = req.session?.adminUser
    if (!current) return next()
    try {
      const loaded = (req as unknown as Record<symbol, StoredAccount | null | undefined>)[ACCOUNT]
      const user = loaded !== undefined ? loaded : ((await models.AdminUser.findByPk(current.id, { raw: true })) as unknown as StoredAccount | null)
      if (!user || !user.active) {
        req.session.destroy(() => {
          if (isApiRequest(req)) res.status(401).json({ error: 'Your session has ended. Please log in again.' })
          else res.redirect(admin.options.loginPath)
        })
        return
      }
      const fresh = toSessionAdmin(user)
      if (JSON.stringify(fresh) !== JSON.stringify(current)) req.session.adminUser = fresh
      next()
    } catch (error) {
      next(error)
    }
  })

  // A GET has no body: spare it AdminJS's multipart parser, which otherwise runs on every request.
  app.use('/admin', (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') Object.assign(req, { fields: {}, files: {}, express_formidable: { parsed: true } })
    next()
  })

  // Downloads the panel's list pages link to, behind the same session and rights check.
  app.get(
    '/admin/exports/Client.csv',
    csvExportRoute({ resource: admin.findResource('Client') as AppResource, definition: clientDefinition, sequelize: db.sequelize, logger }),
  )

  // Before AdminJS's router: its multipart parser must not read the upload (this route streams it to disk).
  app.post(
    '/admin/imports/Client',
    csvImportRoute({
      model: models.Client,
      resource: admin.findResource('Client') as AppResource,
      definition: clientDefinition,
      keyField: 'login',
      ownerField: 'managerId',
      bcryptRounds: config.bcryptRounds,
      maxBytes: config.importMaxBytes,
      maxRows: config.importMaxRows,
      logger,
    }),
  )

  const authenticate = createAuthenticator(models, config)
  const router = AdminJSExpress.buildAuthenticatedRouter(
    admin,
    {
      authenticate: authenticate as never,
      cookieName: SESSION_COOKIE,
      cookiePassword: config.sessionSecret,
    },
    null,
    sessionOptions,
  )
  app.use(allMatchingBulkEditRoute(admin.options.rootPath))
  app.use(admin.options.rootPath, router)

  app.use((req, res) => {
    if (req.accepts(['json', 'html']) === 'json' || isApiRequest(req)) res.status(404).json({ error: 'Not found' })
    else res.status(404).type('text/plain').send('Not found')
  })
  // Never an HTML stack trace: a JSON body with the request id to find the log line.
  app.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    req.log?.error({ err: error }, 'request failed')
    if (res.headersSent) return
    res.status(500).json({ error: 'Something went wrong on our side. Please try again.', requestId: req.id })
  })

  return {
    app,
    admin,
    models,
    logger,
    close: async () => {
      sessionStore.close()
      await sessionPool.end().catch(() => undefined)
    },
  }
}
