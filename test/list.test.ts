import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { COUNT_CAP } from '../src/panel/adapter/app-resource.js'
import { api, startTestApp, type TestApp } from './helpers/harness.js'

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>

const clients = [
  { login: 'AcmeOps', company: 'ACME Telecom GmbH', email: 'ops@acme.example', deliveryStatus: 'active', currency: 'EUR', moderation: 'manual', clientType: 'company' },
  { login: 'acme-billing', company: 'Acme Billing', email: 'billing@acme.example', deliveryStatus: 'expired', currency: 'USD', moderation: 'automatic', clientType: 'company' },
  { login: 'zebra_100', company: 'Zebra 100% Parcel', email: 'Desk@Zebra.example', deliveryStatus: 'active', currency: null, moderation: 'manual', clientType: 'individual' },
]

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  for (const [i, client] of clients.entries()) {
    await t.models.Client.create({
      ...client,
      password: 'secret-password-1',
      passwordConfirmation: 'secret-password-1',
      managerId: i === 2 ? t.ids.manager2 : t.ids.manager1,
    })
  }
})
after(() => t.close())

const logins = (body: { records: { params: { login: string } }[] }) => body.records.map((record) => record.params.login).sort()

describe('the client list', () => {
  test('shows the spec columns, newest first', async () => {
    const response = await admin.get(api.list('Client'))
    assert.equal(response.body.meta.total, 3)
    assert.deepEqual(
      response.body.records.map((record: { params: { login: string } }) => record.params.login),
      ['zebra_100', 'acme-billing', 'AcmeOps'],
    )
    const columns = Object.keys(response.body.records[0].params).sort()
    assert.deepEqual(columns, ['company', 'createdAt', 'currency', 'deliveryStatus', 'id', 'login', 'managerId'])
    assert.equal(response.body.records[0].populated.managerId.title, 'Mark Manager')
  })

  test('text filters are case-insensitive substrings on login, company and e-mail', async () => {
    assert.deepEqual(logins((await admin.get(api.list('Client')).query({ 'filters.login': 'ACME' })).body), ['AcmeOps', 'acme-billing'])
    assert.deepEqual(logins((await admin.get(api.list('Client')).query({ 'filters.company': 'telecom' })).body), ['AcmeOps'])
    assert.deepEqual(logins((await admin.get(api.list('Client')).query({ 'filters.email': 'desk@zebra' })).body), ['zebra_100'])
  })

  test('LIKE wildcards typed into a filter match themselves', async () => {
    assert.deepEqual(logins((await admin.get(api.list('Client')).query({ 'filters.company': '100%' })).body), ['zebra_100'])
    assert.deepEqual(logins((await admin.get(api.list('Client')).query({ 'filters.login': '_' })).body), ['zebra_100'])
    assert.deepEqual(logins((await admin.get(api.list('Client')).query({ 'filters.company': '%' })).body), ['zebra_100'])
  })

  test('equality filters: manager, delivery status, currency, moderation, client type', async () => {
    const count = async (query: Record<string, string | number>) => (await admin.get(api.list('Client')).query(query)).body.meta.total
    assert.equal(await count({ 'filters.managerId': t.ids.manager1 }), 2)
    assert.equal(await count({ 'filters.deliveryStatus': 'expired' }), 1)
    assert.equal(await count({ 'filters.currency': 'EUR' }), 1)
    assert.equal(await count({ 'filters.moderation': 'automatic' }), 1)
    assert.equal(await count({ 'filters.clientType': 'individual' }), 1)
    assert.equal(await count({ 'filters.managerId': 'not-a-number' }), 0)
  })

  test('sorting by a column, and pages that neither repeat nor skip', async () => {
    const sorted = await admin.get(api.list('Client')).query({ sortBy: 'login', direction: 'asc' })
    assert.deepEqual(
      sorted.body.records.map((record: { params: { login: string } }) => record.params.login),
      ['AcmeOps', 'acme-billing', 'zebra_100'].sort((a, b) => (a < b ? -1 : 1)),
    )
    const page1 = await admin.get(api.list('Client')).query({ perPage: 2, page: 1 })
    const page2 = await admin.get(api.list('Client')).query({ perPage: 2, page: 2 })
    const seen = [...page1.body.records, ...page2.body.records].map((record: { id: number }) => record.id)
    assert.equal(new Set(seen).size, 3)
    assert.equal(page2.body.meta.total, 3)
  })

  test('sorts by a column the list does not show (e-mail), both ways', async () => {
    const ascending = await admin.get(api.list('Client')).query({ sortBy: 'email', direction: 'asc' })
    assert.equal(ascending.status, 200)
    assert.deepEqual(ascending.body.records.map((record: { params: { login: string } }) => record.params.login), ['acme-billing', 'zebra_100', 'AcmeOps'])
    const descending = await admin.get(api.list('Client')).query({ sortBy: 'email', direction: 'desc', page: 1, perPage: 2 })
    assert.deepEqual(descending.body.records.map((record: { params: { login: string } }) => record.params.login), ['AcmeOps', 'zebra_100'])
    assert.equal(descending.body.meta.total, 3)
  })

  test('a list row carries only what the list shows (no per-row form layouts)', async () => {
    const response = await admin.get(api.list('Client'))
    for (const record of response.body.records) {
      for (const action of record.recordActions) assert.equal(action.layout, undefined)
    }
    assert.ok(JSON.stringify(response.body).length < 10_000, `${JSON.stringify(response.body).length} bytes for 3 rows`)
  })

  test("the page's bulk actions come with its first row only, the user's own", async () => {
    const names = (body: { records: { bulkActions: { name: string }[] }[] }) => body.records.map((record) => record.bulkActions.map((action) => action.name).sort())
    const manager = await t.loginAs('manager1@example.com')
    const asAdmin = names((await admin.get(api.list('Client'))).body)
    const asManager = names((await manager.get(api.list('Client'))).body)
    assert.deepEqual(asAdmin, [['bulkDelete', 'bulkEdit', 'exportSelectedCsv'], [], []])
    assert.deepEqual(asManager, [['bulkEdit', 'exportSelectedCsv'], []])
  })
})

test('a filtered count stops at COUNT_CAP; pages past it still work; exact totals page right', async () => {
  // Creation order = login order, so "newest first" is bulk-1050, bulk-1049, …
  await t.db.sequelize.query(
    `INSERT INTO clients (login, password_hash, manager_id, email, company, created_at)
     SELECT 'bulk-' || n, '$2b$04$abcdefghijklmnopqrstuuJk9Uo5m6n7Q0R1S2T3U4V5W6X7Y8Z9a', :manager, 'bulk' || n || '@example.com', 'Bulk Co',
            now() - interval '1 day' + n * interval '1 second'
     FROM generate_series(1, :rows) AS n`,
    { replacements: { manager: t.ids.manager1, rows: COUNT_CAP + 50 } },
  )
  const inOrder = (body: { records: { params: { login: string } }[] }) => body.records.map((record) => record.params.login)

  const filtered = await admin.get(api.list('Client')).query({ 'filters.company': 'bulk co' })
  assert.equal(filtered.body.meta.total, COUNT_CAP)
  assert.deepEqual(inOrder(filtered.body), Array.from({ length: 10 }, (_, i) => `bulk-${COUNT_CAP + 50 - i}`))
  assert.ok(JSON.stringify(filtered.body).length <= 10 * 1024, `${JSON.stringify(filtered.body).length} bytes for a page of 10`)
  const pastTheCap = await admin.get(api.list('Client')).query({ 'filters.company': 'bulk co', page: COUNT_CAP / 10 + 2 })
  assert.deepEqual(inOrder(pastTheCap.body), Array.from({ length: 10 }, (_, i) => `bulk-${40 - i}`))

  // 11 matches: bulk-100 and bulk-1000 … bulk-1009, newest first, over two pages.
  const first = await admin.get(api.list('Client')).query({ 'filters.login': 'bulk-100' })
  const second = await admin.get(api.list('Client')).query({ 'filters.login': 'bulk-100', page: 2 })
  assert.equal(first.body.meta.total, 11)
  assert.equal(second.body.meta.total, 11)
  assert.deepEqual([...inOrder(first.body), ...inOrder(second.body)], [...Array.from({ length: 10 }, (_, i) => `bulk-${1009 - i}`), 'bulk-100'])
  const byLogin = await admin.get(api.list('Client')).query({ 'filters.login': 'bulk-100', sortBy: 'login', direction: 'asc', page: 2 })
  assert.deepEqual(inOrder(byLogin.body), ['bulk-1009'])
  const beyond = await admin.get(api.list('Client')).query({ 'filters.login': 'bulk-100', page: 3 })
  assert.deepEqual(beyond.body.records, [])
  assert.equal(beyond.body.meta.total, 11)

  // Issue #14: the unfiltered Clients list is the home page's "Clients" number, exact at any size
  // (from the summary the database keeps), where it used to be capped at COUNT_CAP.
  const unfiltered = await admin.get(api.list('Client'))
  const [{ n }] = (await t.db.sequelize.query('SELECT count(*)::int AS n FROM clients', { type: QueryTypes.SELECT })) as { n: number }[]
  assert.ok(n > COUNT_CAP)
  assert.equal(unfiltered.body.meta.total, n, 'the exact number of clients, not capped')
})

test('a filter the planner expects to match over 10 × COUNT_CAP rows is not counted; its last page gives the exact total', async () => {
  const rows = 10 * COUNT_CAP + 2_000
  await t.db.sequelize.query(
    `INSERT INTO clients (login, password_hash, manager_id, email, company, created_at)
     SELECT 'wide-' || n, '$2b$04$abcdefghijklmnopqrstuuJk9Uo5m6n7Q0R1S2T3U4V5W6X7Y8Z9a', :manager, 'wide' || n || '@example.com', 'Wide Reach Ltd',
            now() - interval '2 days' + n * interval '1 second'
     FROM generate_series(1, :rows) AS n`,
    { replacements: { manager: t.ids.manager2, rows } },
  )
  await t.db.sequelize.query('ANALYZE clients')
  const inOrder = (body: { records: { params: { login: string } }[] }) => body.records.map((record) => record.params.login)

  const first = await admin.get(api.list('Client')).query({ 'filters.company': 'wide reach' })
  assert.equal(first.body.meta.total, COUNT_CAP, 'capped, not counted')
  assert.deepEqual(inOrder(first.body), Array.from({ length: 10 }, (_, i) => `wide-${rows - i}`))
  // The user pages on to the end: the short last page knows the real total.
  const lastPage = Math.ceil(rows / 10)
  const last = await admin.get(api.list('Client')).query({ 'filters.company': 'wide reach', perPage: 10, page: lastPage })
  assert.equal(last.body.meta.total, rows)
  assert.deepEqual(inOrder(last.body), Array.from({ length: rows % 10 || 10 }, (_, i) => `wide-${(rows % 10 || 10) - i}`))

  // A narrow filter on the same table is still counted exactly.
  const narrow = await admin.get(api.list('Client')).query({ 'filters.login': 'wide-1100' })
  assert.equal(narrow.body.meta.total, 11, 'wide-1100 and wide-11000 … wide-11009')
})

test('a list cannot be sorted by a secret or an unknown attribute, nor paged with nonsense', async () => {
  // Refused by name (issue 21): a silent fallback to the id hid the mistake from the caller.
  for (const sortBy of ['password', 'passwordHash', 'nope"; DROP TABLE clients; --']) {
    const response = await admin.get(api.list('Client')).query({ sortBy, direction: 'asc' })
    assert.equal(response.status, 400)
    assert.deepEqual(response.body, { error: `You cannot sort by ${sortBy}` })
  }
  // The change history has no updated_at column.
  const history = await admin.get(api.list('ChangeHistory')).query({ sortBy: 'updatedAt', direction: 'desc' })
  assert.equal(history.status, 400)
  assert.deepEqual(history.body, { error: 'You cannot sort by updatedAt' })
  for (const page of ['-1', '0', 'abc', '1.5']) {
    const response = await admin.get(api.list('Client')).query({ page, perPage: '-5' })
    assert.equal(response.status, 200)
    assert.equal(response.body.meta.page, 1)
    assert.equal(response.body.meta.perPage, 10)
  }
})

test('the migration creates the indexes the list relies on', async () => {
  const indexes = (
    (await t.db.sequelize.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'clients'`, { type: QueryTypes.SELECT })) as {
      indexname: string
      indexdef: string
    }[]
  ).reduce<Record<string, string>>((all, row) => ({ ...all, [row.indexname]: row.indexdef }), {})
  for (const column of ['login', 'company', 'email']) {
    assert.match(indexes[`clients_${column}_trgm`] ?? '', /USING gin .*gin_trgm_ops/)
  }
  assert.match(indexes.clients_login_lower_unique ?? '', /UNIQUE INDEX .*lower/)
  assert.match(indexes.clients_manager_id_idx ?? '', /manager_id, created_at DESC/)
  assert.match(indexes.clients_created_at_idx ?? '', /created_at DESC/)
})

test('after saving, the panel lands on the saved client, not on the list', async () => {
  const created = await admin
    .post(api.new('Client'))
    .type('form')
    .send({ login: 'lands-on-show', password: 'secret-password-1', passwordConfirmation: 'secret-password-1', managerId: String(t.ids.manager1), email: 'lands@example.com' })
  assert.equal(created.body.notice.type, 'success', JSON.stringify(created.body.record.errors))
  assert.equal(created.body.redirectUrl, `/admin/resources/Client/records/${created.body.record.id}/show`)
  const edited = await admin.post(api.record('Client', created.body.record.id, 'edit')).type('form').send({ company: 'Landing Ltd' })
  assert.equal(edited.body.redirectUrl, `/admin/resources/Client/records/${created.body.record.id}/show`)
  const refused = await admin.post(api.new('Client')).type('form').send({ login: 'x' })
  assert.equal(refused.body.redirectUrl, undefined, 'a refused form stays where it is')
})
