import { randomBytes } from 'node:crypto'
import pg from 'pg'
import request from 'supertest'
import { createApp, createLogger, type App } from '../../src/app/app.js'
import { parseConfig, type AppConfig } from '../../src/config/env.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js'
import { ensureSnapshot, migrationsKey } from '../../src/db/embedded-snapshot.js'
import { hasPendingMigrations } from '../../src/db/migrations-folder.js'
import { databaseUrlOn, onServer } from '../../src/db/on-server.js'

export const PASSWORD = 'correct-horse-battery'

/**
 * A real database for one test file: a fresh PostgreSQL database when DATABASE_URL is set, else an
 * in-memory embedded one. Both start migrated with the app's own migrations: on PostgreSQL a copy
 * of a template database migrated once (CREATE DATABASE … TEMPLATE), on the embedded database a
 * load of the migrated snapshot (src/db/embedded-snapshot.ts). `drop` hands it back to the test
 * process's pool, reset to that state (see takeDatabase), or drops it.
 */
export async function createTestDatabase(overrides: Partial<AppConfig> = {}): Promise<{ db: Database; config: AppConfig; drop: () => Promise<void> }> {
  const base = parseConfig({ ...process.env, NODE_ENV: 'test', BCRYPT_ROUNDS: '4', LOG_LEVEL: 'silent', SESSION_SECRET: undefined })
  const pooled = await takeDatabase(base.databaseUrl)
  // Failed logins are still slowed, by milliseconds instead of the seconds a lockout test would wait;
  // a stopped import job runs again at once instead of 2 s later.
  const config: AppConfig = { ...base, databaseUrl: base.databaseUrl ? pooled.url : undefined, dbPoolMax: 5, loginSlowdownMs: 1, importJobRetryDelaySeconds: 0, ...overrides }
  // An embedded database goes back to the pool with `drop`, not stopped with the app's connections.
  const embedded = pooled.embedded && { ...pooled.embedded, stop: async () => {} }
  const db = await openDatabase({ ...config, inMemory: true, embedded })
  // Both start migrated: one query says so, and umzug (~0.1 s to load) stays unloaded.
  if (await hasPendingMigrations(db.sequelize)) await migrateUp(db.sequelize)
  return {
    db,
    config,
    drop: async () => {
      await db.close()
      await parkDatabase(pooled)
    },
  }
}

// Making a test database was the larger part of a small file's cost: on the embedded database a
// new thread loading PGlite and the snapshot (~2 s of CPU, ~40 times a run), on PostgreSQL a copy
// of the template and its drop (~0.3 s of the server's CPU, ~60 times a run). So a test process
// keeps the databases its files have dropped and hands them out again, reset to the state they
// started in: the same migrated, empty database, down to its planner statistics (the list reads
// reltuples and EXPLAIN's estimates). One whose schema a test changed beyond what the reset puts
// back is dropped instead, and the next file gets a new one.
type PooledDatabase = {
  url: string
  baseline: Baseline
  embedded?: EmbeddedDatabase
  /** Cuts off every connection a test left to it (a server process's pool, a stray agent). */
  disconnectAll: () => Promise<void>
  discard: () => Promise<void>
}
type Baseline = {
  fingerprint: string
  schemas: string[]
  tables: string[]
  rows: Array<{ table: string; columns: string[]; json: string }>
  sequences: Array<{ name: string; lastValue: string; isCalled: boolean }>
  relationStats: string
  /** Rows of pg_statistic for its tables: none in a fresh one, which is what the reset puts back. */
  statisticRows: number
}
const idleDatabases: PooledDatabase[] = []

const USER_NAMESPACES = `SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`
// What the reset does not put back (the schema, roles, extensions, settings): it must stay as it was.
const FINGERPRINT = `SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS fingerprint FROM (
  SELECT concat_ws(' ', 'rel', c.oid::regclass, c.relkind, c.relpersistence, c.relnatts, c.relhastriggers, c.relrowsecurity) FROM pg_class c WHERE c.relnamespace IN (${USER_NAMESPACES})
  UNION ALL SELECT concat_ws(' ', 'att', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attisdropped, a.attgenerated, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace IN (${USER_NAMESPACES}) AND a.attnum > 0
  UNION ALL SELECT concat_ws(' ', 'proc', p.oid::regprocedure, md5(p.prosrc)) FROM pg_proc p WHERE p.pronamespace IN (${USER_NAMESPACES})
  UNION ALL SELECT concat_ws(' ', 'trigger', tgenabled, pg_get_triggerdef(oid)) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT concat_ws(' ', 'constraint', conrelid::regclass, conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace IN (${USER_NAMESPACES})
  UNION ALL SELECT concat_ws(' ', 'index', pg_get_indexdef(indexrelid)) FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace IN (${USER_NAMESPACES}))
  UNION ALL SELECT concat_ws(' ', 'view', oid::regclass, md5(pg_get_viewdef(oid))) FROM pg_class WHERE relkind IN ('v', 'm') AND relnamespace IN (${USER_NAMESPACES})
  UNION ALL SELECT concat_ws(' ', 'enum', enumtypid::regtype, enumlabel, enumsortorder) FROM pg_enum
  UNION ALL SELECT concat_ws(' ', 'type', oid::regtype) FROM pg_type WHERE typnamespace IN (${USER_NAMESPACES}) AND typrelid = 0
  UNION ALL SELECT concat_ws(' ', 'role', rolname, rolsuper, rolcanlogin) FROM pg_roles
  UNION ALL SELECT concat_ws(' ', 'extension', extname, extversion) FROM pg_extension
  UNION ALL SELECT concat_ws(' ', 'setting', setdatabase, setrole, array_to_string(setconfig, ',')) FROM pg_db_role_setting
    WHERE setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  UNION ALL SELECT concat_ws(' ', 'policy', polname) FROM pg_policy
  UNION ALL SELECT concat_ws(' ', 'statistics', stxname) FROM pg_statistic_ext
) AS objects(x)`
const RELATION_STATS = `SELECT coalesce(json_agg(json_build_object('oid', oid, 'relpages', relpages, 'reltuples', reltuples, 'relallvisible', relallvisible)), '[]')::text AS stats
  FROM pg_class WHERE relnamespace IN (${USER_NAMESPACES}) AND relkind IN ('r', 'i', 'm', 't', 'p')`
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`

async function takeDatabase(serverUrl: string | undefined): Promise<PooledDatabase> {
  const idle = idleDatabases.pop()
  if (idle) {
    idle.embedded?.keepsProcessAlive(true)
    return idle
  }
  let made: Omit<PooledDatabase, 'baseline'>
  if (serverUrl) {
    const template = await migratedTemplate(serverUrl)
    const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`
    await onServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`)
    // A commit that waits for its WAL to reach the disk cost ~2.7 ms here, against ~0.3 ms that does
    // not, and a run commits tens of thousands of times (every session save, every write). What is
    // lost is only what a crash of the server would take of the last commits: of a test database,
    // nothing anyone needs. Every connection to it has the setting: the apps', pg-boss's, the server
    // processes'.
    await onServer(serverUrl, `ALTER DATABASE ${name} SET synchronous_commit = off`)
    made = {
      url: databaseUrlOn(serverUrl, name),
      disconnectAll: () => onServer(serverUrl, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`),
      discard: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    }
  } else {
    const embedded = await startEmbeddedDatabase(undefined, { snapshotFile: await ensureSnapshot() })
    made = { url: embedded.url, embedded, disconnectAll: embedded.restart, discard: embedded.stop }
  }
  const client = new pg.Client({ connectionString: made.url })
  await client.connect()
  try {
    const one = async <T>(sql: string) => (await client.query(sql)).rows[0] as T
    const { fingerprint } = await one<{ fingerprint: string }>(FINGERPRINT)
    const schemas = (await client.query(`SELECT nspname FROM pg_namespace`)).rows.map((row) => row.nspname as string)
    const tables = (await client.query(`SELECT oid::regclass::text AS name FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace IN (${USER_NAMESPACES})`)).rows.map((row) => row.name as string)
    const rows: Baseline['rows'] = []
    for (const table of tables) {
      const { json } = await one<{ json: string | null }>(`SELECT json_agg(t)::text AS json FROM ${table} t`)
      if (!json) continue
      const columns = (await client.query(`SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''`, [table])).rows.map((row) => row.attname as string)
      rows.push({ table, columns, json })
    }
    const sequences: Baseline['sequences'] = []
    for (const { name } of (await client.query(`SELECT oid::regclass::text AS name FROM pg_class WHERE relkind = 'S' AND relnamespace IN (${USER_NAMESPACES})`)).rows) {
      const { last_value, is_called } = await one<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${name}`)
      sequences.push({ name, lastValue: last_value, isCalled: is_called })
    }
    const { stats } = await one<{ stats: string }>(RELATION_STATS)
    const { n } = await one<{ n: number }>(`SELECT count(*)::int AS n FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace IN (${USER_NAMESPACES}))`)
    return { ...made, baseline: { fingerprint, schemas, tables, rows, sequences, relationStats: stats, statisticRows: n } }
  } finally {
    await client.end()
  }
}

/** Puts a dropped test database back as it started and keeps it for the next one, or drops it. */
async function parkDatabase(pooled: PooledDatabase): Promise<void> {
  const { baseline } = pooled
  let client: pg.Client | undefined
  try {
    await pooled.disconnectAll()
    client = new pg.Client({ connectionString: pooled.url })
    client.on('error', () => {})
    await client.connect()
    // The embedded database's one backend serves every connection: a transaction or session
    // setting left open is everyone's.
    await client.query('ROLLBACK')
    await client.query('DISCARD ALL')
    // pg-boss makes its schema when an app starts: dropped, as a fresh database has none.
    for (const { nspname } of (await client.query(`SELECT nspname FROM pg_namespace`)).rows) {
      if (!baseline.schemas.includes(nspname)) await client.query(`DROP SCHEMA ${quoted(nspname)} CASCADE`)
    }
    const { fingerprint } = (await client.query(FINGERPRINT)).rows[0]
    if (fingerprint !== baseline.fingerprint || baseline.statisticRows > 0) throw new Error('not resettable')
    await client.query('BEGIN')
    // Triggers off while the migrations' own rows go back (the history trigger would log them).
    await client.query('SET LOCAL session_replication_role = replica')
    await client.query(`TRUNCATE ${baseline.tables.join(', ')} RESTART IDENTITY CASCADE`)
    for (const { table, columns, json } of baseline.rows) {
      const list = columns.map(quoted).join(', ')
      await client.query(`INSERT INTO ${table} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1)`, [json])
    }
    for (const { name, lastValue, isCalled } of baseline.sequences) {
      await client.query(`SELECT setval($1::regclass, $2, $3)`, [name, lastValue, isCalled])
    }
    // The planner's statistics as the fresh database had them, so that estimates match.
    await client.query(`DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace IN (${USER_NAMESPACES}))`)
    await client.query(`DELETE FROM pg_statistic_ext_data WHERE stxoid IN (SELECT oid FROM pg_statistic_ext WHERE stxnamespace IN (${USER_NAMESPACES}))`)
    await client.query(
      `UPDATE pg_class AS c SET relpages = b.relpages, reltuples = b.reltuples, relallvisible = b.relallvisible
         FROM json_to_recordset($1::json) AS b(oid oid, relpages int, reltuples real, relallvisible int) WHERE c.oid = b.oid`,
      [baseline.relationStats],
    )
    await client.query('COMMIT')
    // The embedded database's one backend keeps each PL/pgSQL function's cached plans from file to
    // file, made for the earlier file's tables: list.test.ts's 12,000 inserts through the triggers
    // took 22 s instead of 7 s right after export.test.ts. Replacing a function (by its own
    // definition) makes the backend compile it afresh, as a new database's would.
    if (pooled.embedded) {
      const functions = await client.query(`SELECT pg_get_functiondef(p.oid) AS definition FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE l.lanname = 'plpgsql' AND p.pronamespace IN (${USER_NAMESPACES})`)
      for (const { definition } of functions.rows) await client.query(definition)
    }
    await client.end()
    client = undefined
    pooled.embedded?.keepsProcessAlive(false)
    idleDatabases.push(pooled)
  } catch {
    await client?.end().catch(() => {})
    await pooled.discard()
  }
}

const migrateUp = async (sequelize: Database['sequelize']) => (await import('../../src/db/migrator.js')).migrateUp(sequelize)

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

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
      // Test databases are kept until their process ends: those of processes gone (a run that
      // ended or was killed) are dropped here.
      for (const { datname } of (await admin.query(`SELECT datname FROM pg_database WHERE datname ~ '^test_[0-9]+_[0-9a-f]{8}$'`)).rows) {
        if (!isRunning(Number(datname.split('_')[1]))) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {})
      }
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

type PageAgent = { get: (url: string) => { set: (name: string, value: string) => PromiseLike<{ text: string }> } }
type PageResource = { id: string; properties: Record<string, { type?: string; components?: Record<string, unknown> }>; actions: { name: string; layout?: unknown }[] }

/** A resource as the panel's page for it carries it in its state (window.REDUX_STATE), as the front end reads it. */
export async function pageResource(agent: PageAgent, resourceId: string): Promise<PageResource> {
  const page = await agent.get(`/admin/resources/${resourceId}`).set('Accept', 'text/html')
  const state = /window\.REDUX_STATE = (\{.*?\});?\s*\n/s.exec(page.text)?.[1]
  if (!state) throw new Error('the panel page carries no state')
  const resource = (JSON.parse(state) as { resources: PageResource[] }).resources.find((candidate) => candidate.id === resourceId)
  if (!resource) throw new Error(`the panel page's state has no resource ${resourceId}`)
  return resource
}

/**
 * An action's form layout as the panel's pages draw it: from the resource in the page's state
 * (record answers carry no layout; src/panel/components/page-layout.js).
 */
export async function pageLayout(agent: PageAgent, resourceId: string, actionName: string): Promise<unknown> {
  return (await pageResource(agent, resourceId)).actions.find((action) => action.name === actionName)?.layout
}
