import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Op, QueryTypes } from 'sequelize'
import type { AppResource } from '../src/panel/adapter/app-resource.js'
import { wordChunksPattern } from '../src/db/like-patterns.js'
import { searchCondition } from '../src/panel/adapter/filters.js'
import { clientDefinition } from '../src/resources/client/client.fields.js'
import { api, createClient, startTestApp, type TestApp } from './helpers/harness.js'

// Issue #26: the search box (`q=`), the "not set" filter, chosen columns and each user's list
// preferences, through the routes the list page calls.

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>
let manager1: Awaited<ReturnType<TestApp['loginAs']>>
let manager2: Awaited<ReturnType<TestApp['loginAs']>>

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
  await createClient(t, 'AcmeOps', { company: 'ACME Telecom GmbH', email: 'ops@acme.example', currency: 'EUR', deliveryStatus: 'active' })
  await createClient(t, 'billing-1', { company: 'Acme Billing', email: 'billing@one.example', currency: null, deliveryStatus: 'expired' })
  await createClient(t, 'zebra_100', { company: 'Zebra 100% Parcel', email: 'desk@ACME-mail.example', currency: null, managerId: t.ids.manager2 })
  await createClient(t, 'other', { company: 'Other Ltd', email: 'x@other.example', currency: 'USD' })
})
after(() => t.close())

type ListBody = { meta: { total: number; perPage: number }; records: { params: Record<string, unknown> }[] }
const logins = (body: ListBody) => body.records.map((record) => String(record.params.login)).sort()
const list = (agent: typeof admin, query: Record<string, string | number>) => agent.get(api.list('Client')).query(query)

describe('the search box (q=)', () => {
  test('a case-insensitive substring of login, company or e-mail', async () => {
    assert.deepEqual(logins((await list(admin, { q: 'acme' })).body), ['AcmeOps', 'billing-1', 'zebra_100'])
    assert.deepEqual(logins((await list(admin, { q: 'TELECOM' })).body), ['AcmeOps'])
    assert.deepEqual(logins((await list(admin, { q: 'billing@one' })).body), ['billing-1'])
    assert.equal((await list(admin, { q: 'acme' })).body.meta.total, 3)
  })

  test('typed wildcards match themselves; blank text searches nothing', async () => {
    assert.deepEqual(logins((await list(admin, { q: '100%' })).body), ['zebra_100'])
    assert.deepEqual(logins((await list(admin, { q: '_' })).body), ['zebra_100'])
    assert.equal((await list(admin, { q: '   ' })).body.meta.total, 4)
  })

  test('combines with filters, the "not set" filter included', async () => {
    assert.deepEqual(logins((await list(admin, { q: 'acme', 'filters.currency': '__FORM_VALUE_NULL__' })).body), ['billing-1', 'zebra_100'])
    assert.deepEqual(logins((await list(admin, { q: 'acme', 'filters.deliveryStatus': 'expired' })).body), ['billing-1'])
    // A filter the summary could count alone is counted for real once a search narrows it.
    assert.equal((await list(admin, { q: 'zebra', 'filters.currency': '__FORM_VALUE_NULL__' })).body.meta.total, 1)
  })

  test("honors the row scope: a manager never finds another manager's client", async () => {
    assert.deepEqual(logins((await list(manager1, { q: 'acme' })).body), ['AcmeOps', 'billing-1'])
    assert.deepEqual(logins((await list(manager2, { q: 'acme' })).body), ['zebra_100'])
    assert.equal((await list(manager1, { q: 'zebra' })).body.meta.total, 0)
  })

  test('a match lies within one field: text running from one field into the next finds nothing', async () => {
    // "AcmeOps" then its company "ACME Telecom GmbH": found as one text, they would match.
    assert.equal((await list(admin, { q: 'AcmeOpsACME' })).body.meta.total, 0)
    assert.equal((await list(admin, { q: 'Ops ACME' })).body.meta.total, 0)
    assert.equal((await list(admin, { q: 'AcmeOps\u001fACME' })).body.meta.total, 0, 'not even joined by the search text separator')
    assert.deepEqual(logins((await list(admin, { q: 'Ops' })).body), ['AcmeOps'])
  })

  test('is served by one trigram index over the stored search text (once reading the whole table is ruled out)', async () => {
    const resource = t.admin.findResource('Client') as AppResource
    const sql = resource.selectAllSql(resource.whereFor({}, { id: String(t.ids.admin), email: 'admin@example.com', role: 'admin' } as never, undefined, 'acme'), {}, ['id'])
    const plan = await t.db.sequelize.transaction(async (transaction) => {
      // A handful of rows: the planner would rather read them all; ruling out whole-table reads
      // (sequential or by the primary key) shows whether the search can be answered by the indexes.
      await t.db.sequelize.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off', { transaction })
      const rows = (await t.db.sequelize.query(`EXPLAIN ${sql}`, { type: QueryTypes.SELECT, transaction })) as { 'QUERY PLAN': string }[]
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    })
    assert.match(plan, /Bitmap Index Scan on clients_search_trgm/, plan)
    assert.doesNotMatch(plan, /BitmapOr/, plan)
    // On the stored, lower-cased search text: neither joined nor lower-cased again for each row.
    assert.match(sql, /"search_text" LIKE lower\('%acme%'\)/)
  })

  test('a text of several words matches as typed: order, spacing, wildcards and case as a single word does', async () => {
    // The list's count asks the index for the words' chunks and checks the whole text on each row
    // (filters.ts containing); what it finds must be what the text itself matches.
    const found = async (q: string) => logins((await list(admin, { q })).body)
    assert.deepEqual(await found('acme telecom'), ['AcmeOps'])
    assert.deepEqual(await found('aCmE tElEcOm GMBH'), ['AcmeOps'])
    assert.deepEqual(await found('telecom acme'), [], 'the words in another order')
    assert.deepEqual(await found('acme  telecom'), [], 'two spaces where the company has one')
    assert.deepEqual(await found('acme-telecom'), [], 'another character between the words')
    assert.deepEqual(await found('100% parcel'), ['zebra_100'])
    assert.deepEqual(await found('1_0% parcel'), [], '_ matches itself, not any character')
    assert.deepEqual(await found('100%parcel'), [], '% matches itself, not any text')
    assert.deepEqual(await found('ra 100% p'), ['zebra_100'], 'words too short for a trigram')
    assert.deepEqual(await found('a 1'), ['zebra_100'], 'no word long enough for the index: the text as typed')
    assert.deepEqual(await found('billing@one.example'), ['billing-1'])
    assert.deepEqual(await found('billing@two.example'), [])
    assert.equal((await list(admin, { q: 'acme telecom' })).body.meta.total, 1)
  })

  test('a text of several words lies within one field too', async () => {
    // Login "AcmeOps", company "ACME Telecom GmbH": joined, "Ops ACME Telecom" would be found.
    assert.equal((await list(admin, { q: 'AcmeOps ACME Telecom' })).body.meta.total, 0)
    assert.equal((await list(admin, { q: 'Ops\u001fACME Telecom' })).body.meta.total, 0)
    assert.equal((await list(admin, { q: 'GmbH ops@acme' })).body.meta.total, 0)
    assert.equal((await list(admin, { q: 'ops@acme.example' })).body.meta.total, 1)
  })

  test('the text filters match several words as typed as well', async () => {
    const filtered = async (field: string, value: string) => logins((await list(admin, { [`filters.${field}`]: value })).body)
    assert.deepEqual(await filtered('company', 'ACME telecom gmbh'), ['AcmeOps'])
    assert.deepEqual(await filtered('company', 'telecom acme'), [])
    assert.deepEqual(await filtered('company', 'zebra 100% parcel'), ['zebra_100'])
    assert.deepEqual(await filtered('company', 'zebra 100_ parcel'), [])
    assert.deepEqual(await filtered('login', 'billing-1'), ['billing-1'])
    assert.deepEqual(await filtered('login', 'billing-2'), [], 'the same chunks ("bil", "lin"), another text')
    assert.deepEqual(await filtered('email', 'desk@acme-mail'), ['zebra_100'])
    assert.deepEqual(await filtered('email', 'desk@acme_mail'), [])
  })

  test('the count asks the trigram index for the words only and checks the text on each row it finds', async () => {
    assert.equal(wordChunksPattern('nordic par'), '%nor%dic%par%')
    assert.equal(wordChunksPattern('Zebra 100% Parcel'), '%Zeb%100%Par%cel%')
    assert.equal(wordChunksPattern('über-straße'), '%übe%str%aße%')
    assert.equal(wordChunksPattern('nordic'), undefined, 'one word: its own pattern has no word-edge trigrams')
    assert.equal(wordChunksPattern('a b-c'), undefined, 'no word of three characters')
    const resource = t.admin.findResource('Client') as AppResource
    const scanned = resource.selectAllSql({ [Op.and]: [searchCondition('acme telecom', clientDefinition, true)!] }, {}, ['id'])
    const plan = await t.db.sequelize.transaction(async (transaction) => {
      await t.db.sequelize.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off', { transaction })
      const rows = (await t.db.sequelize.query(`EXPLAIN ${scanned}`, { type: QueryTypes.SELECT, transaction })) as { 'QUERY PLAN': string }[]
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    })
    const indexed = plan.split('\n').find((line) => line.includes('Index Cond')) ?? ''
    assert.match(plan, /Bitmap Index Scan on clients_search_trgm/, plan)
    assert.match(indexed, /'%acm%tel%eco%'/, plan)
    assert.doesNotMatch(indexed, /acme telecom/, plan)
    assert.match(plan, /Filter: .*'%acme telecom%'/, plan)
  })

  test('the same q narrows the CSV export', async () => {
    const csv = await admin.get('/admin/exports/Client.csv').query({ q: 'telecom' }).buffer(true)
    assert.equal(csv.status, 200)
    const lines = csv.text.trim().split(/\r\n/)
    assert.equal(lines.length, 2, csv.text)
    assert.match(lines[1], /AcmeOps/)
    const scoped = await manager1.get('/admin/exports/Client.csv').query({ q: 'zebra' }).buffer(true)
    assert.equal(scoped.status, 200)
    assert.match(scoped.text, /Login/, 'the header is there')
    assert.equal(scoped.text.trim().split(/\r\n/).length, 1, 'only the header: not their client')
  })

  test('every list has a search box: products, admin users and the change history search theirs', async () => {
    const products = await admin.get(api.list('Product')).query({ q: 'busi' })
    assert.deepEqual(products.body.records.map((record: { params: { code: string } }) => record.params.code), ['BUSINESS'])
    const users = await admin.get(api.list('AdminUser')).query({ q: 'MARIA' })
    assert.deepEqual(users.body.records.map((record: { params: { email: string } }) => record.params.email), ['manager1@example.com'])
    const history = await admin.get(api.list('ChangeHistory')).query({ q: 'nobody-typed-this' })
    assert.equal(history.body.meta.total, 0)
    // Several words: the count's own form of the condition, on each resource's columns.
    const named = await admin.get(api.list('AdminUser')).query({ q: 'maria MANAGER' })
    assert.deepEqual(named.body.records.map((record: { params: { email: string } }) => record.params.email), ['manager1@example.com'])
    assert.equal((await admin.get(api.list('AdminUser')).query({ q: 'manager maria' })).body.meta.total, 0)
    const byActor = await admin.get(api.list('ChangeHistory')).query({ q: 'manager1@example.com', 'filters.action': 'login' })
    assert.ok(byActor.body.meta.total > 0, JSON.stringify(byActor.body.meta))
    assert.equal((await admin.get(api.list('ChangeHistory')).query({ q: 'manager1@example.co.uk', 'filters.action': 'login' })).body.meta.total, 0)
  })
})

describe('page size and columns', () => {
  test('perPage is capped at 100', async () => {
    assert.equal((await list(admin, { perPage: 500 })).body.meta.perPage, 100)
    assert.equal((await list(admin, { perPage: 25 })).body.meta.perPage, 25)
  })

  test('columns= shows the chosen columns (with references titled); one the list cannot show is a 400', async () => {
    const chosen = await list(admin, { columns: 'login,phone,country,productId' })
    const params = chosen.body.records[0].params
    assert.deepEqual(Object.keys(params).sort(), ['country', 'createdAt', 'id', 'login', 'phone', 'productId'].filter((name) => name in params).sort())
    assert.ok(!('company' in params), 'a column not chosen is not sent')
    for (const refused of ['passwordHash', 'password', 'comments', 'nope']) {
      const response = await list(admin, { columns: `login,${refused}` })
      assert.equal(response.status, 400, refused)
      assert.match(response.body.error, new RegExp(refused))
    }
  })
})

describe('each user’s list preferences', () => {
  const path = (resource: string) => `/admin/api/list-preferences/${resource}`

  test('stored per user on the server, read back in any later session', async () => {
    assert.deepEqual((await manager1.get(path('Client'))).body, { perPage: null, columns: null })
    const saved = await manager1.post(path('Client')).type('form').send({ perPage: '50', columns: 'login,company,phone' })
    assert.equal(saved.status, 200, JSON.stringify(saved.body))
    assert.deepEqual(saved.body, { perPage: 50, columns: ['login', 'company', 'phone'] })
    const again = await t.loginAs('manager1@example.com')
    assert.deepEqual((await again.get(path('Client'))).body, { perPage: 50, columns: ['login', 'company', 'phone'] })
    // Another user's are their own.
    assert.deepEqual((await manager2.get(path('Client'))).body, { perPage: null, columns: null })
    // Saving only the page size keeps the columns.
    await again.post(path('Client')).type('form').send({ perPage: '25' })
    assert.deepEqual((await manager1.get(path('Client'))).body, { perPage: 25, columns: ['login', 'company', 'phone'] })
  })

  test('a page size or column the list does not offer is a 400; nothing stored', async () => {
    for (const body of [{ perPage: '7' }, { perPage: '1000' }, { columns: 'login,passwordHash' }]) {
      const response = await admin.post(path('Client')).type('form').send(body)
      assert.equal(response.status, 400, JSON.stringify(body))
    }
    assert.deepEqual((await admin.get(path('Client'))).body, { perPage: null, columns: null })
  })

  test('only for a list the user may open', async () => {
    assert.equal((await manager1.get(path('AdminUser'))).status, 403)
    assert.equal((await manager1.post(path('Product')).type('form').send({ perPage: '25' })).status, 403)
    assert.equal((await admin.get(path('Nope'))).status, 404)
  })
})

describe('the change history list', () => {
  const history = (query: Record<string, string | number>) => admin.get(api.list('ChangeHistory')).query({ perPage: 100, ...query })
  type Entry = { params: Record<string, unknown> }

  test('each entry names its record (a client by its login); the Record filter takes a part of a login', async () => {
    const all = await history({ 'filters.resource': 'Client' })
    const acme = all.body.records.find((entry: Entry) => entry.params.recordTitle === 'AcmeOps')
    assert.ok(acme, 'an entry titled with the client login')
    const byLogin = await history({ 'filters.recordId': 'acmeo' })
    assert.ok(byLogin.body.records.length >= 1)
    assert.ok(byLogin.body.records.every((entry: Entry) => entry.params.recordTitle === 'AcmeOps' && entry.params.resource === 'Client'))
    // A number is still an id.
    const byId = await history({ 'filters.recordId': String(acme.params.recordId), 'filters.resource': 'Client' })
    assert.ok(byId.body.records.every((entry: Entry) => String(entry.params.recordId) === String(acme.params.recordId)))
    // A manager finds only their own clients' entries by login.
    const theirs = await manager2.get(api.list('ChangeHistory')).query({ 'filters.recordId': 'acme' })
    assert.equal(theirs.body.meta.total, 0)
  })

  test('account events (logins) are hidden by default, in their own filter, and shown when the Action filter names them', async () => {
    const actions = (body: { records: Entry[] }) => new Set(body.records.map((entry) => String(entry.params.action)))
    const byDefault = await history({})
    assert.ok(!actions(byDefault.body).has('login'), 'no logins in the default list')
    const account = await history({ 'filters.entries': 'account' })
    assert.ok(account.body.records.length > 0)
    assert.ok([...actions(account.body)].every((action) => !['create', 'update', 'delete', 'export'].includes(action)))
    assert.ok(actions(account.body).has('login'))
    assert.ok(actions((await history({ 'filters.action': 'login' })).body).has('login'))
    assert.equal((await history({ 'filters.entries': 'bogus' })).body.meta.total, 0)
    assert.equal((await history({ 'filters.nope': 'x' })).status, 400, 'an unknown filter is still refused')
  })
})
