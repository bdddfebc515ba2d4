import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes, Sequelize } from 'sequelize'
import request from 'supertest'
import type { Dashboard } from '../src/app/dashboard.js'
import { selectRows, selectRowSets, type PreparedStatement } from '../src/db/select-rows.js'
import { NOT_SET_FILTER } from '../src/panel/adapter/app-resource.js'
import { compactSummary } from '../src/resources/client/client-summary.js'
import { api, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

// The home page's numbers (GET /admin/api/dashboard) against SELECT count(*) after every kind of
// write, for both roles, and the client lists they link to.

let t: TestApp
type Agent = Awaited<ReturnType<TestApp['loginAs']>>
let admin: Agent
let manager1: Agent
let manager2: Agent

const HASH = '$2b$04$abcdefghijklmnopqrstuuJk9Uo5m6n7Q0R1S2T3U4V5W6X7Y8Z9a'

const dashboardOf = async (agent: Agent): Promise<Dashboard> => {
  const response = await agent.get('/admin/api/dashboard')
  assert.equal(response.status, 200)
  return response.body
}

const sql = async <T>(query: string, replacements: Record<string, unknown> = {}) =>
  (await t.db.sequelize.query(query, { replacements, type: QueryTypes.SELECT })) as T[]

/** How many times the pending count changes' table has been vacuumed. */
const vacuums = async () =>
  (await sql<{ n: number }>(`SELECT vacuum_count::int AS n FROM pg_stat_user_tables WHERE relname = 'client_count_changes'`))[0].n

/** The same numbers, counted from the clients table itself. */
async function truth(managerId: number | undefined, since: Dashboard['clients']['createdSince']) {
  const scope = managerId === undefined ? 'true' : 'manager_id = :managerId'
  const count = async (condition: string, extra: Record<string, unknown> = {}) =>
    (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM clients WHERE ${scope} AND ${condition}`, { managerId, ...extra }))[0].n
  const grouped = async (column: string) =>
    Object.fromEntries(
      (await sql<{ key: string; n: number }>(`SELECT ${column} AS key, count(*)::int AS n FROM clients WHERE ${scope} GROUP BY 1`, { managerId })).map(
        (row) => [String(row.key), row.n],
      ),
    )
  return {
    total: await count('true'),
    byDeliveryStatus: { active: 0, expired: 0, ...(await grouped('delivery_status')) },
    byCurrency: await grouped(`coalesce(currency, '')`),
    byManager: await grouped('manager_id'),
    createdLast7Days: await count('created_at >= CAST(:since AS timestamptz)', { since: since.last7Days }),
    createdLast30Days: await count('created_at >= CAST(:since AS timestamptz)', { since: since.last30Days }),
  }
}

/**
 * Every number on the admin's and both managers' home pages equals the table's own count: with the
 * triggers' changes still pending, and again once they are folded into the counts.
 */
async function assertExact(when: string) {
  await assertExactNow(when)
  await compactSummary(t.db.sequelize)
  const [{ pending }] = await sql<{ pending: number }>('SELECT count(*)::int AS pending FROM client_count_changes')
  assert.equal(pending, 0, 'all changes folded')
  await assertExactNow(`${when} (folded)`)
}

async function assertExactNow(when: string) {
  for (const [agent, managerId] of [
    [admin, undefined],
    [manager1, t.ids.manager1],
    [manager2, t.ids.manager2],
  ] as const) {
    const { clients } = await dashboardOf(agent)
    const expected = await truth(managerId, clients.createdSince)
    const who = managerId === undefined ? 'admin' : `manager ${managerId}`
    assert.equal(clients.total, expected.total, `${when}: total (${who})`)
    assert.deepEqual(clients.byDeliveryStatus, expected.byDeliveryStatus, `${when}: by delivery status (${who})`)
    assert.deepEqual(clients.byCurrency, expected.byCurrency, `${when}: by currency (${who})`)
    assert.equal(clients.createdLast7Days, expected.createdLast7Days, `${when}: created in 7 days (${who})`)
    assert.equal(clients.createdLast30Days, expected.createdLast30Days, `${when}: created in 30 days (${who})`)
    if (managerId === undefined) {
      const byManager = Object.fromEntries(clients.byManager!.filter((m) => m.count > 0).map((m) => [String(m.id), m.count]))
      assert.deepEqual(byManager, expected.byManager, `${when}: by manager`)
    } else {
      assert.equal(clients.byManager, undefined, `${when}: a manager gets no per-manager split`)
    }
  }
}

const createViaForm = async (agent: Agent, fields: Record<string, string>) => {
  const response = await agent.post(api.new('Client')).type('form').send(validClientForm(fields))
  assert.equal(response.body.notice?.type, 'success', JSON.stringify(response.body.record?.errors))
  return Number(response.body.record.id)
}
const editViaForm = async (agent: Agent, id: number, fields: Record<string, string>) => {
  const response = await agent.post(api.record('Client', id, 'edit')).type('form').send(fields)
  assert.equal(response.body.notice?.type, 'success', JSON.stringify(response.body.record?.errors))
}
const rawInsert = (login: string, managerId: number, extra: { currency?: string | null; status?: string; createdAgo?: string } = {}) =>
  t.db.sequelize.query(
    `INSERT INTO clients (login, password_hash, manager_id, email, currency, delivery_status, created_at)
     VALUES (:login, :hash, :managerId, :email, :currency, :status, now() - CAST(:ago AS interval))`,
    {
      replacements: {
        login,
        hash: HASH,
        managerId,
        email: `${login}@example.com`,
        currency: extra.currency ?? null,
        status: extra.status ?? 'active',
        ago: extra.createdAgo ?? '0 seconds',
      },
    },
  )

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
})
after(() => t.close())

describe('GET /admin/api/dashboard', () => {
  test('answers only to a logged-in session', async () => {
    const response = await request(t.app).get('/admin/api/dashboard')
    assert.notEqual(response.status, 200)
    assert.doesNotMatch(response.text, /"clients"/)
  })

  test('empty: zeros, no currencies, no changes; every manager listed for an admin', async () => {
    const { clients, recentChanges, role } = await dashboardOf(admin)
    assert.equal(role, 'admin')
    assert.equal(clients.total, 0)
    assert.deepEqual(clients.byDeliveryStatus, { active: 0, expired: 0 })
    assert.deepEqual(clients.byCurrency, {})
    assert.deepEqual(
      clients.byManager!.map((m) => [m.id, m.name, m.count]).sort(),
      [[t.ids.manager1, 'Maria Manager', 0], [t.ids.manager2, 'Mark Manager', 0]].sort(),
    )
    assert.ok(recentChanges.every((change) => change.resource !== 'Client'), 'only the users and products of the test set-up')
    assert.deepEqual((await dashboardOf(manager1)).recentChanges, [])
    await assertExact('empty')
  })

  test('every kind of write shows in the next answer, exactly', async () => {
    // Panel forms, by an admin and by a manager.
    const eur = await createViaForm(admin, { managerId: String(t.ids.manager1), currency: 'EUR' })
    const none = await createViaForm(manager1, {})
    const m2 = await createViaForm(manager2, { currency: 'USD', deliveryStatus: 'expired' })
    await assertExact('form creates')

    await editViaForm(admin, eur, { deliveryStatus: 'expired' })
    await assertExact('form edit of the delivery status')
    await editViaForm(manager1, none, { currency: 'GBP' })
    await assertExact('currency set on a client without one')
    await editViaForm(admin, m2, { managerId: String(t.ids.manager1) })
    await assertExact('hand-over to another manager')
    await editViaForm(admin, m2, { company: 'No key changes' })
    await assertExact('an edit that changes no counted field')

    // Static, bulk model update (what scripts and bulk edits use).
    await t.models.Client.update({ deliveryStatus: 'expired' }, { where: { managerId: t.ids.manager1 }, individualHooks: true })
    await assertExact('Model.update over many rows')
    await t.models.Client.update({ deliveryStatus: 'active' }, { where: {} })
    await assertExact('Model.update over the whole table')

    // Raw SQL, around every hook: inserts (some created long ago), updates, a multi-row hand-over.
    await rawInsert('sql-old', t.ids.manager2, { createdAgo: '40 days', currency: 'SEK' })
    await rawInsert('sql-mid', t.ids.manager2, { createdAgo: '10 days', status: 'expired' })
    await rawInsert('sql-week', t.ids.manager1, { createdAgo: '6 days 23 hours' })
    await rawInsert('sql-edge', t.ids.manager1, { createdAgo: '7 days 1 second' })
    await t.db.sequelize.query(`INSERT INTO clients (login, password_hash, manager_id, email)
      SELECT 'sql-many-' || n, '${HASH}', :managerId, 'many' || n || '@example.com' FROM generate_series(1, 25) AS n`, {
      replacements: { managerId: t.ids.manager2 },
    })
    await assertExact('raw SQL inserts')
    await t.db.sequelize.query(`UPDATE clients SET currency = 'JPY' WHERE currency IS NULL AND login LIKE 'sql-many-1%'`)
    await t.db.sequelize.query(`UPDATE clients SET created_at = now() - interval '20 days' WHERE login = 'sql-week'`)
    await t.db.sequelize.query(`UPDATE clients SET manager_id = :to WHERE login LIKE 'sql-many-2%'`, { replacements: { to: t.ids.manager1 } })
    await assertExact('raw SQL updates (currency, created_at, hand-over)')

    // Deletes: through the panel and by SQL.
    const deleted = await admin.post(api.record('Client', eur, 'delete'))
    assert.equal(deleted.body.notice.type, 'success')
    await t.db.sequelize.query(`DELETE FROM clients WHERE login LIKE 'sql-many-3%' OR login = 'sql-old'`)
    await assertExact('deletes')

    // A rolled-back write leaves no trace.
    await t.db.sequelize
      .transaction(async (transaction) => {
        await t.db.sequelize.query(`UPDATE clients SET delivery_status = 'expired'`, { transaction })
        throw new Error('roll back')
      })
      .catch(() => undefined)
    await assertExact('a rolled-back update')
  })

  test('folding a thousand changes or more vacuums their table at once: every client list reads it whole, dead rows too', async () => {
    await compactSummary(t.db.sequelize)
    const before = await vacuums()
    // Created on a thousand different days: a thousand change rows (one statement's changes are counted per manager, status, currency and day).
    await t.db.sequelize.query(
      `INSERT INTO clients (login, password_hash, manager_id, email, created_at)
       SELECT 'vacuum-' || i, :hash, :managerId, 'vacuum-' || i || '@example.com', now() - i * interval '1 day' FROM generate_series(1, 1000) AS i`,
      { replacements: { hash: HASH, managerId: t.ids.manager1 } },
    )
    // Folded here, or by the app's own timer a moment before (then it vacuums).
    await compactSummary(t.db.sequelize)
    for (let waited = 0; (await vacuums()) === before && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(await vacuums(), before + 1)
    await t.db.sequelize.query(`DELETE FROM clients WHERE login LIKE 'vacuum-%'`)
    await assertExact('a thousand inserts and their removal')
  })

  test('small folds that add up to a thousand changes vacuum their table too', async () => {
    await compactSummary(t.db.sequelize)
    const before = await vacuums()
    // Three folds of 400 changes each (+1 and -1 for the same clients: the counts stay as they are).
    for (let fold = 0; fold < 3; fold++) {
      await t.db.sequelize.query(
        `INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n)
         SELECT :managerId, 'active', '', current_date, sign FROM generate_series(1, 200), unnest(ARRAY[1, -1]) AS sign`,
        { replacements: { managerId: t.ids.manager1 } },
      )
      await compactSummary(t.db.sequelize)
    }
    for (let waited = 0; (await vacuums()) === before && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.ok((await vacuums()) > before, 'vacuumed once 1,200 changes were folded in three folds')
    await assertExact('three small folds')
  })

  test("a process's first fold vacuums the changes' table when earlier processes left it bloated", async () => {
    await compactSummary(t.db.sequelize)
    // Dead rows in a dozen pages, none to fold: a rolled-back insert.
    await t.db.sequelize
      .transaction(async (transaction) => {
        await t.db.sequelize.query(
          `INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n)
           SELECT :managerId, 'active', '', current_date, 1 FROM generate_series(1, 1500)`,
          { replacements: { managerId: t.ids.manager1 }, transaction },
        )
        throw new Error('roll back')
      })
      .catch(() => undefined)
    const before = await vacuums()
    const another = new Sequelize(t.db.url, { logging: false })
    try {
      await compactSummary(another)
    } finally {
      await another.close()
    }
    assert.ok((await vacuums()) > before, 'vacuumed by the new process')
    await assertExact('a bloated table at start')
  })

  test('one statement appends one change per manager, status, currency and day it moves, not one per client', async () => {
    // Inside one transaction (rolled back): the app's own fold, every few seconds, cannot take these rows meanwhile.
    const transaction = await t.db.sequelize.transaction()
    try {
      const changesOfTheDay = async () =>
        ((await t.db.sequelize.query(`SELECT count(*)::int AS n FROM client_count_changes WHERE day = '2001-01-01'`, { type: QueryTypes.SELECT, transaction })) as {
          n: number
        }[])[0].n
      const run = (statement: string) => t.db.sequelize.query(statement, { replacements: { hash: HASH, managerId: t.ids.manager1 }, transaction })
      await run(`INSERT INTO clients (login, password_hash, manager_id, email, created_at)
        SELECT 'statement-' || i, :hash, :managerId, 'statement-' || i || '@example.com', '2001-01-01 12:00Z' FROM generate_series(1, 200) AS i`)
      assert.equal(await changesOfTheDay(), 1, '200 new clients alike: one change')
      await run(`UPDATE clients SET delivery_status = 'expired' WHERE login LIKE 'statement-%'`)
      assert.equal(await changesOfTheDay(), 3, 'their status changed: one change out of active, one into expired')
      await run(`UPDATE clients SET company = 'Not counted' WHERE login LIKE 'statement-%'`)
      assert.equal(await changesOfTheDay(), 3, 'nothing counted changed: no change')
    } finally {
      await transaction.rollback()
    }
  })

  test('a long transaction of one-row writes (an import) only appends changes; folded, they count exactly', async () => {
    await compactSummary(t.db.sequelize)
    await t.db.sequelize.transaction(async (transaction) => {
      for (let i = 0; i < 300; i += 1) {
        await t.db.sequelize.query(
          `INSERT INTO clients (login, password_hash, manager_id, email, currency) VALUES (:login, :hash, :managerId, :email, 'EUR')`,
          { replacements: { login: `import-${i}`, hash: HASH, managerId: i % 2 ? t.ids.manager1 : t.ids.manager2, email: `import-${i}@example.com` }, transaction },
        )
      }
      // Seen from inside the transaction (nothing else can fold these yet).
      const [{ pending }] = (await t.db.sequelize.query('SELECT count(*)::int AS pending FROM client_count_changes', {
        type: QueryTypes.SELECT,
        transaction,
      })) as { pending: number }[]
      assert.equal(pending, 300, 'one appended change per insert, no counter row updated 300 times')
    })
    await assertExact('a transaction of 300 single-row inserts')
    await t.db.sequelize.query(`DELETE FROM clients WHERE login LIKE 'import-%'`)
    await assertExact('their removal')
  })

  test('the numbers link to lists with the same totals (as admin and as manager)', async () => {
    for (const agent of [admin, manager1, manager2]) {
      const { clients } = await dashboardOf(agent)
      const listTotal = async (filters: Record<string, string | number>) => {
        const query = Object.fromEntries(Object.entries(filters).map(([key, value]) => [`filters.${key}`, String(value)]))
        const response = await agent.get(api.list('Client')).query(query)
        assert.equal(response.status, 200)
        return response.body.meta.total as number
      }
      assert.equal(await listTotal({}), clients.total)
      for (const [status, n] of Object.entries(clients.byDeliveryStatus)) assert.equal(await listTotal({ deliveryStatus: status }), n, status)
      assert.ok(Object.keys(clients.byCurrency).includes(''), 'some clients have no currency')
      for (const [code, n] of Object.entries(clients.byCurrency)) assert.equal(await listTotal({ currency: code || NOT_SET_FILTER }), n, `currency ${code}`)
      for (const manager of clients.byManager ?? []) assert.equal(await listTotal({ managerId: manager.id }), manager.count, `manager ${manager.id}`)
      assert.equal(await listTotal({ 'createdAt~~from': clients.createdSince.last7Days }), clients.createdLast7Days)
      assert.equal(await listTotal({ 'createdAt~~from': clients.createdSince.last30Days }), clients.createdLast30Days)
    }
  })

  test('"not set yet" lists exactly the clients without a currency; other filters still count as before', async () => {
    const response = await admin.get(api.list('Client')).query({ 'filters.currency': NOT_SET_FILTER, perPage: 500 })
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM clients WHERE currency IS NULL`)
    assert.equal(response.body.meta.total, n)
    assert.equal(response.body.records.length, n)
    assert.ok(response.body.records.every((record: { params: { currency: unknown } }) => record.params.currency === null || record.params.currency === undefined))

    // A filter the summary cannot answer (status and login together) is counted from the rows.
    const mixed = await admin.get(api.list('Client')).query({ 'filters.deliveryStatus': 'active', 'filters.login': 'sql-many' })
    const [{ m }] = await sql<{ m: number }>(`SELECT count(*)::int AS m FROM clients WHERE delivery_status = 'active' AND login ILIKE '%sql-many%'`)
    assert.equal(mixed.body.meta.total, m)
    // A manager asking for another manager's clients gets none.
    const foreign = await manager1.get(api.list('Client')).query({ 'filters.managerId': String(t.ids.manager2) })
    assert.equal(foreign.body.meta.total, 0)
    assert.deepEqual(foreign.body.records, [])
  })

  test('latest changes: newest first, at most 20, in the form’s words', async () => {
    const { recentChanges: changes } = await dashboardOf(admin)
    assert.equal(changes.length, 20)
    const [{ latest }] = await sql<{ latest: number[] }>(
      `SELECT array_agg(id::int ORDER BY created_at DESC, id DESC) AS latest FROM (SELECT id, created_at FROM change_history ORDER BY created_at DESC, id DESC LIMIT 20) AS h`,
    )
    assert.deepEqual(changes.map((change) => change.id), latest)
    for (const change of changes) {
      assert.deepEqual(Object.keys(change).sort(), ['action', 'actor', 'at', 'id', 'recordId', 'resource', 'resourceLabel', 'summary', 'title'])
      assert.ok(change.summary.length > 0 && change.summary.length <= 160, change.summary)
      assert.doesNotMatch(change.summary, /\n|password_hash|\$2b\$/)
    }
    const id = await createViaForm(admin, { managerId: String(t.ids.manager2), currency: 'EUR', company: 'Fresh GmbH' })
    await editViaForm(admin, id, { allowCredit: '5000' })
    const [edit, create] = (await dashboardOf(admin)).recentChanges
    assert.deepEqual([edit.action, edit.recordId, edit.actor, edit.summary], ['update', id, 'admin@example.com', 'Allow credit: 0.00 → 5000.00'])
    assert.equal(edit.resourceLabel, 'Client', 'the record type as the registry labels it')
    assert.equal(create.action, 'create')
    assert.match(create.summary, /^Login: client-\w+; Manager: Mark Manager; /)
    assert.match(create.summary, /Currency: EUR/)
    assert.equal(create.title, edit.title)
  })

  test('a manager’s page carries nothing of another manager’s clients or changes', async () => {
    // manager2 creates and edits a client, which an admin then hands to manager1: manager1 sees
    // the admin's hand-over, not manager2's work.
    const id = await createViaForm(manager2, { company: 'Handed Over Ltd' })
    await editViaForm(manager2, id, { company: 'Handed Over Ltd.' })
    await editViaForm(admin, id, { managerId: String(t.ids.manager1) })
    await editViaForm(manager1, id, { allowCredit: '10' })
    const secretLogin = 'm2-only-client'
    await createViaForm(manager2, { login: secretLogin })

    for (const [agent, me, other, otherName] of [
      [manager1, t.ids.manager1, 'manager2@example.com', 'Mark Manager'],
      [manager2, t.ids.manager2, 'manager1@example.com', 'Maria Manager'],
    ] as const) {
      const dashboard = await dashboardOf(agent)
      assert.equal(dashboard.role, 'manager')
      assert.equal(dashboard.clients.byManager, undefined)
      const text = JSON.stringify(dashboard)
      assert.ok(!text.includes(other), `no trace of ${other}`)
      assert.ok(!text.includes(otherName), `no trace of ${otherName}'s name`)
      if (me === t.ids.manager1) assert.ok(!text.includes(secretLogin), "no other manager's client")
      const own = new Set((await sql<{ id: number }>(`SELECT id FROM clients WHERE manager_id = :me`, { me })).map((row) => row.id))
      for (const change of dashboard.recentChanges) {
        assert.equal(change.resource, 'Client')
        assert.ok(own.has(change.recordId), `change ${change.id} is of one of their own clients`)
      }
    }
    const mine = (await dashboardOf(manager1)).recentChanges.filter((change) => change.recordId === id)
    assert.deepEqual(mine.map((change) => [change.action, change.actor]), [
      ['update', 'manager1@example.com'],
      ['update', 'admin@example.com'],
    ])
    // The hand-over names manager1 (themselves), and the manager before only by id.
    assert.equal(mine[1].summary, `Manager: #${t.ids.manager2} → Maria Manager`)
  })

  test("a manager's latest changes are found past many newer ones of clients handed away", async () => {
    const expected = async (managerId: number) =>
      (
        await sql<{ id: number }>(
          `SELECT h.id::int AS id FROM change_history h JOIN client_change_owners o ON o.change_id = h.id JOIN clients c ON c.id = h.client_id
            WHERE o.manager_id = :managerId AND c.manager_id = :managerId AND h.action IN ('create', 'update', 'delete')
              AND NOT EXISTS (SELECT 1 FROM admin_users a WHERE a.id = h.actor_id AND a.role = 'manager' AND a.id <> :managerId)
            ORDER BY h.created_at DESC, h.id DESC LIMIT 20`,
          { managerId },
        )
      ).map((row) => row.id)
    const before = await expected(t.ids.manager2)
    assert.ok(before.length > 0)
    // 120 clients of manager2 (by a script), then all handed to manager1: 120 newer entries of
    // manager2's that are no longer theirs to see.
    await t.db.sequelize.query(`INSERT INTO clients (login, password_hash, manager_id, email)
      SELECT 'away-' || n, '${HASH}', :managerId, 'away' || n || '@example.com' FROM generate_series(1, 120) AS n`, {
      replacements: { managerId: t.ids.manager2 },
    })
    await t.db.sequelize.query(`UPDATE clients SET manager_id = :to WHERE login LIKE 'away-%'`, { replacements: { to: t.ids.manager1 } })
    assert.deepEqual(await expected(t.ids.manager2), before)
    for (const [agent, managerId] of [[manager1, t.ids.manager1], [manager2, t.ids.manager2]] as const) {
      const { recentChanges: changes } = await dashboardOf(agent)
      assert.deepEqual(changes.map((change) => change.id), await expected(managerId))
    }
  })

  test('TRUNCATE empties the numbers too; the page says so', async () => {
    // CASCADE: other tables reference clients (sender names); TRUNCATE alone refuses to run then.
    await t.db.sequelize.query('TRUNCATE clients CASCADE')
    await assertExact('after TRUNCATE')
    assert.equal((await dashboardOf(admin)).clients.total, 0)
  })

  test("the page's statement is kept prepared per connection, also where the connection lost it or already holds it", async () => {
    // A pool of one connection, so that every step meets the same one. The embedded database has
    // one session behind all of its connections: the app's own pool meets it every time.
    const own = t.config.databaseUrl ? new Sequelize(t.config.databaseUrl, { dialect: 'postgres', logging: false, pool: { max: 1 } }) : undefined
    const sequelize = own ?? t.db.sequelize
    try {
      const probe = (n: number): PreparedStatement => ({ name: `probe_${n}`, prepare: `PREPARE probe_${n}(int) AS SELECT $1 + 1 AS n`, execute: `EXECUTE probe_${n}(${n})` })
      assert.deepEqual(await selectRowSets(sequelize, [probe(1), 'SELECT 0 AS n']), [[{ n: 2 }], [{ n: 0 }]])
      assert.deepEqual(await selectRowSets(sequelize, [probe(1)]), [[{ n: 2 }]])
      await selectRows(sequelize, 'DEALLOCATE probe_1')
      assert.deepEqual(await selectRowSets(sequelize, [probe(1)]), [[{ n: 2 }]], 'prepared again')
      await selectRows(sequelize, 'PREPARE probe_2(int) AS SELECT $1 + 1 AS n')
      assert.deepEqual(await selectRowSets(sequelize, [probe(2)]), [[{ n: 3 }]], 'found prepared')
      const [{ n }] = (await selectRows(sequelize, `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'probe%'`)) as { n: number }[]
      assert.equal(n, 2)
    } finally {
      await own?.close()
    }
  })
})
