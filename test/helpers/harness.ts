import { randomBytes } from 'node:crypto'
import pg from 'pg'
import request from 'supertest'
import { createApp, createLogger, type App } from '../../src/app/app.js'
import { parseConfig, type AppConfig } from '../../src/config/env.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { ensureSnapshot, migrationsKey } from '../../src/db/embedded-snapshot.js'
import { hasPendingMigrations } from '../../src/db/migrations-folder.js'

export const PASSWORD = 'correct-horse-battery'

/**
 * A real database for one test file: a fresh PostgreSQL database when DATABASE_URL is set (dropped
 * afterwards), else an in-memory embedded one. Both start migrated with the app's own migrations:
 * on PostgreSQL a copy of a template database migrated once (CREATE DATABASE … TEMPLATE), on the
 * embedded database a load of the migrated snapshot (src/db/embedded-snapshot.ts).
 */
export async function createTestDatabase(overrides: Partial<AppConfig> = {}): Promise<{ db: Database; config: AppConfig; drop: () => Promise<void> }> {
  const base = parseConfig({ ...process.env, NODE_ENV: 'test', BCRYPT_ROUNDS: '4', LOG_LEVEL: 'silent', SESSION_SECRET: undefined })
  let databaseUrl: string | undefined
  let dropDatabase = async () => {}
  if (base.databaseUrl) {
    const template = await migratedTemplate(base.databaseUrl)
    const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: base.databaseUrl })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
    await admin.end()
    const url = new URL(base.databaseUrl)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: base.databaseUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    }
  }
  // Failed logins are still slowed, by milliseconds instead of the seconds a lockout test would wait.
  const config: AppConfig = { ...base, databaseUrl, dbPoolMax: 5, loginSlowdownMs: 1, ...overrides }
  const snapshotFile = databaseUrl ? undefined : await ensureSnapshot()
  const db = await openDatabase({ ...config, inMemory: true, snapshotFile })
  // Both start migrated: one query says so, and umzug (~0.1 s to load) stays unloaded.
  if (await hasPendingMigrations(db.sequelize)) await migrateUp(db.sequelize)
  return {
    db,
    config,
    drop: async () => {
      await db.close()
      await dropDatabase()
    },
  }
}

const migrateUp = async (sequelize: Database['sequelize']) => (await import('../../src/db/migrator.js')).migrateUp(sequelize)

let template: Promise<string> | undefined
const TEMPLATE_LOCK_KEY = 727_002

/**
 * `test_template_<hash of the migrations>` on the server, migrated once and then only copied: made
 * by the first test file that needs it, under an advisory lock so parallel files (and parallel runs
 * against the same server) wait for it instead of racing. Nobody connects to it afterwards, which
 * CREATE DATABASE … TEMPLATE requires.
 */
function migratedTemplate(serverUrl: string): Promise<string> {
  template ??= (async () => {
    const name = `test_template_${migrationsKey()}`
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    try {
      const exists = async () => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1
      if (await exists()) return name
      await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY])
      try {
        if (await exists()) return name
        // Built under another name and renamed when complete: a half-migrated template is never copied.
        const building = `${name}_${process.pid}`
        await admin.query(`DROP DATABASE IF EXISTS ${building}`)
        await admin.query(`CREATE DATABASE ${building}`)
        const url = new URL(serverUrl)
        url.pathname = `/${building}`
        const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', dbPoolMax: 2 })
        try {
          await migrateUp(db.sequelize)
        } finally {
          await db.close()
        }
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`)
        return name
      } finally {
        await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY])
      }
    } finally {
      await admin.end()
    }
  })()
  return template
}

export type TestApp = App & {
  db: Database
  config: AppConfig
  /** An agent logged in as the given user (cookie kept between calls). */
  loginAs: (email: string, password?: string) => Promise<request.Agent>
  ids: { admin: number; manager1: number; manager2: number; productActive: number; productInactive: number }
  close: () => Promise<void>
}

export async function startTestApp(overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  // The overrides reach the database too (its pool, the share bulk work may take of it).
  const { db, config, drop } = await createTestDatabase(overrides)
  const app = await createApp(config, db, createLogger({ logLevel: 'silent' }))
  const { AdminUser, Product } = app.models
  const make = (email: string, name: string, role: string) =>
    AdminUser.create({ email, name, role, password: PASSWORD }).then((row) => Number(row.get('id')))
  const ids = {
    admin: await make('admin@example.com', 'Alex Admin', 'admin'),
    manager1: await make('manager1@example.com', 'Maria Manager', 'manager'),
    manager2: await make('manager2@example.com', 'Mark Manager', 'manager'),
    productActive: Number((await Product.create({ code: 'BUSINESS', name: 'Business', active: true })).get('id')),
    productInactive: Number((await Product.create({ code: 'OLD', name: 'Legacy', active: false })).get('id')),
  }
  return {
    ...app,
    db,
    config,
    ids,
    loginAs: async (email: string, password = PASSWORD) => {
      const agent = request.agent(app.app)
      const response = await agent.post('/admin/login').type('form').send({ email, password })
      if (response.status !== 302) throw new Error(`login as ${email} failed: ${response.status}`)
      return agent
    },
    close: async () => {
      await app.close()
      await drop()
    },
  }
}

/**
 * A valid client made through the model (its hooks and rules run, as for a script), owned by
 * manager1 and reachable at `<login>@example.com` unless `values` says otherwise; answers its id.
 */
export async function createClient(t: TestApp, login: string, values: Record<string, unknown> = {}): Promise<number> {
  const row = await t.models.Client.create({
    login,
    password: 'secret-password-1',
    passwordConfirmation: 'secret-password-1',
    managerId: t.ids.manager1,
    email: `${login}@example.com`,
    ...values,
  })
  return Number(row.get('id'))
}

/** A complete, valid client as the form would post it (strings, like a browser form). */
export function validClientForm(overrides: Record<string, string> = {}): Record<string, string> {
  const suffix = randomBytes(3).toString('hex')
  return {
    login: `client-${suffix}`,
    password: 'secret-password-1',
    passwordConfirmation: 'secret-password-1',
    email: `ops-${suffix}@example.com`,
    moderation: 'manual',
    timezone: 'Europe/Berlin',
    deliveryStatus: 'active',
    clientType: 'company',
    ...overrides,
  }
}

export const api = {
  list: (resource: string) => `/admin/api/resources/${resource}/actions/list`,
  search: (resource: string, query = '') => `/admin/api/resources/${resource}/actions/search/${encodeURIComponent(query)}`,
  new: (resource: string) => `/admin/api/resources/${resource}/actions/new`,
  record: (resource: string, id: number | string, action: string) => `/admin/api/resources/${resource}/records/${id}/${action}`,
  bulk: (resource: string, action: string, ids: Array<number | string>) =>
    `/admin/api/resources/${resource}/bulk/${action}?recordIds=${ids.join(',')}`,
}
