import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'
import { QueryTypes, type Sequelize } from 'sequelize'
import type { CurrentAdmin } from 'adminjs'
import { createApp, createLogger, type App } from '../src/app/app.js'
import { readSession, sessionSql } from '../src/app/session-rights.js'
import { toSessionAdmin } from '../src/auth/authenticate.js'
import { parseConfig } from '../src/config/env.js'
import { openDatabase } from '../src/db/database.js'
import { selectRows, withStatementAhead } from '../src/db/select-rows.js'
import { listSort } from '../src/panel/actions/list-action.js'
import { ListFilter, type AppResource } from '../src/panel/adapter/app-resource.js'
import { apiReads, statusOnlyResponse } from '../src/panel/adminjs-internals/api-reads.js'
import { createClient, startTestApp } from '../test/helpers/harness.js'
import { benchUrl, sessionSecret, twoFactorKey } from './config.js'
import { firstAdminEmail, firstManagerEmail } from './seed.js'

/**
 * The list and show actions' and the home page's own cost in-process (issue #30), without HTTP,
 * session or lane: AdminJS's list/show action and the dashboard's handler (as the lane calls
 * them) N times in a row per scenario, alone and with the session's statement (on its own round
 * trip before, or sent ahead of the action's first read), CPU (process.cpuUsage) and wall time per
 * call; rounds alternate the scenarios. On the bench database
 * (BENCH_CLIENTS, default) or, with `SMALL=1`, on a test database of 30 clients (the list's
 * counted path). `N=2000 ROUNDS=3 npx tsx bench/list-action-cpu.ts`; to profile:
 * `node --import tsx --cpu-prof --cpu-prof-dir=/tmp/p bench/list-action-cpu.ts`.
 * Beside them, what the admin's list costs without AdminJS's action pipeline (AppResource.listPage
 * called as the list action calls it), and its SQL alone (on one of the app's pooled connections,
 * and on bare pg). HOOKS=1 turns AsyncLocalStorage's promise hooks on from the start (any run of a
 * store leaves them on), to tell what they cost.
 */
if (process.env.HOOKS) new AsyncLocalStorage().enterWith({})
const N = Number(process.env.N ?? 2000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)

let app: App
let sequelize: Sequelize
let databaseUrl: string
let close: () => Promise<void>
let emails: [string, string]
if (process.env.SMALL) {
  const t = await startTestApp()
  for (let i = 0; i < 30; i += 1) {
    await createClient(t, `cpu-${i}`, { managerId: i % 2 ? t.ids.manager1 : t.ids.manager2, company: `Cpu ${i}`, productId: t.ids.productActive })
  }
  ;[app, sequelize, close, emails, databaseUrl] = [t, t.db.sequelize, t.close, ['admin@example.com', 'manager1@example.com'], t.db.url]
} else {
  const config = parseConfig({ NODE_ENV: 'production', ADMIN_JS_SKIP_BUNDLE: 'true', SESSION_SECRET: sessionSecret, TWO_FACTOR_KEY: twoFactorKey, DATABASE_URL: benchUrl, LOG_LEVEL: 'warn' })
  const db = await openDatabase({ ...config, serverStatementTimeoutMs: config.statementTimeoutMs })
  app = await createApp(config, db, createLogger({ logLevel: 'silent' }))
  ;[sequelize, close, emails, databaseUrl] = [db.sequelize, () => app.close(), [firstAdminEmail, firstManagerEmail], db.url]
}
try {
  // The session's user, as the lane hands it to the action.
  const userOf = async (email: string) => {
    const [row] = (await sequelize.query(`SELECT id, email, name, role, time_zone AS "timeZone" FROM admin_users WHERE email = :email`, {
      replacements: { email },
      type: QueryTypes.SELECT,
    })) as Record<string, unknown>[]
    return JSON.parse(JSON.stringify(toSessionAdmin(row as never))) as CurrentAdmin
  }
  const admin = await userOf(emails[0])
  const manager = await userOf(emails[1])
  const reads = apiReads(app.admin)
  const [{ id: showId }] = (await sequelize.query(`SELECT id FROM clients ORDER BY id LIMIT 1 OFFSET 10`, { type: QueryTypes.SELECT })) as { id: number }[]
  // With the session's own statement, as the lane reads it: on the session pool before the action
  // (a session the lane has not answered yet), or sent ahead of the action's first read.
  const sessionPool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const [{ sid }] = (await sequelize.query(`SELECT sid FROM sessions WHERE expire >= now() LIMIT 1`, { type: QueryTypes.SELECT })) as { sid: string }[]
  const withSession = (action: () => Promise<unknown>) => async () => (await readSession(sessionPool, sid), action())
  const withSessionAhead = (action: () => Promise<unknown>) => async () => {
    const { result, ahead } = await withStatementAhead(sessionSql(pg.escapeLiteral(sid)), action)
    if (!ahead) await readSession(sessionPool, sid)
    return result
  }
  const listAdmin = () => reads.list('Client', { page: '1' }, admin, statusOnlyResponse())
  const listManager = () => reads.list('Client', { page: '1' }, manager, statusOnlyResponse())
  const showAdmin = () => reads.show('Client', String(showId), {}, admin, statusOnlyResponse())
  const clients = app.admin.findResource('Client') as AppResource
  const listPageAdmin = () =>
    clients.listPage(new ListFilter({}, clients, undefined), { page: 1, perPage: 10, ...listSort(clients, {}) }, {
      resource: clients,
      action: clients.decorate().actions.list,
      currentAdmin: admin,
      _admin: app.admin,
    } as never)
  // The admin list's SQL, as its statement reaches a connection (the last one a list sends); the
  // connections are given back their own query method after.
  const sent: string[] = []
  const wrapped: { query: unknown }[] = []
  type Connection = { query: (text: unknown, ...rest: unknown[]) => unknown }
  const connections = (sequelize as unknown as { connectionManager: { getConnection: (...args: unknown[]) => Promise<Connection> } }).connectionManager
  const getConnection = connections.getConnection.bind(connections)
  connections.getConnection = async (...args) => {
    const connection = await getConnection(...args)
    if (!Object.hasOwn(connection, 'query')) {
      const query = connection.query
      connection.query = function (text, ...rest) {
        if (typeof text === 'string') sent.push(text)
        return query.call(this, text, ...rest)
      }
      wrapped.push(connection)
    }
    return connection
  }
  await listAdmin()
  connections.getConnection = getConnection
  for (const connection of wrapped) delete (connection as Partial<Connection>).query
  const listSql = sent[sent.length - 1]
  const barePool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const scenarios: [string, () => Promise<unknown>][] = [
    ['list admin', listAdmin],
    ['list manager', listManager],
    ['listPage of list admin (no action pipeline)', listPageAdmin],
    ['SQL of list admin, pooled connection', () => selectRows(sequelize, listSql)],
    ['SQL of list admin, bare pg', () => barePool.query(listSql)],
    ['show admin', showAdmin],
    ['session, then list admin', withSession(listAdmin)],
    ['session ahead of list admin', withSessionAhead(listAdmin)],
    ['session, then show admin', withSession(showAdmin)],
    ['session ahead of show admin', withSessionAhead(showAdmin)],
    ['home admin', () => reads.dashboard({}, admin, statusOnlyResponse())],
    ['home manager', () => reads.dashboard({}, manager, statusOnlyResponse())],
  ].filter(([name]) => !process.env.SCENARIOS || process.env.SCENARIOS.split(',').some((s) => (name as string).includes(s))) as never
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, run] of scenarios) {
      for (let i = 0; i < 200; i += 1) JSON.stringify(await run())
      const cpu = process.cpuUsage()
      const started = performance.now()
      for (let i = 0; i < N; i += 1) JSON.stringify(await run())
      const wall = performance.now() - started
      const used = process.cpuUsage(cpu)
      console.log(`round ${round} ${name}: CPU ${((used.user + used.system) / 1000 / N).toFixed(3)} ms/call, wall ${(wall / N).toFixed(3)} ms/call`)
    }
  }
  await sessionPool.end()
  await barePool.end()
} finally {
  await close()
}
