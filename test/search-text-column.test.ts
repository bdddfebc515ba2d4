import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { SEARCH_TEXT_COLUMN } from '../src/fields/model.js'
import { api, createClient, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

// Issue #26: the search box looks in each row's search text, which PostgreSQL stores lower-cased
// in a generated column (src/fields/model.ts SEARCH_TEXT_COLUMN, migrations 0026 and 0027). The
// column is the database's own: no field, so never shown, exported, imported or in the history,
// and it follows every write by itself.

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>
let manager2: Awaited<ReturnType<TestApp['loginAs']>>
let id: number

const rows = (sql: string, replacements: Record<string, unknown> = {}) =>
  t.db.sequelize.query(sql, { type: QueryTypes.SELECT, replacements }) as Promise<Record<string, any>[]>
const found = async (agent: typeof admin, q: string) =>
  ((await agent.get(api.list('Client')).query({ q })).body.records as { params: { login: string } }[]).map((record) => record.params.login).sort()

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
  manager2 = await t.loginAs('manager2@example.com')
  id = await createClient(t, 'Nordic-1', { company: 'ÜBER Straße Nordic Parcel', email: 'Desk@Nordic.example' })
  await createClient(t, 'nordic-2', { company: 'Nordic Parcel AB', managerId: t.ids.manager2 })
})
after(() => t.close())

describe('the stored search text', () => {
  test('is the searchable fields joined by the separator and lower-cased, and follows every write', async () => {
    const [row] = await rows(`SELECT ${SEARCH_TEXT_COLUMN} AS stored, lower(login || chr(31) || company || chr(31) || email) AS expected FROM clients WHERE id = :id`, { id })
    assert.equal(row.stored, row.expected)
    assert.equal(row.stored, 'nordic-1\u001füber straße nordic parcel\u001fdesk@nordic.example')
    await t.models.Client.update({ company: 'Fjord Freight' }, { where: { id }, individualHooks: true })
    assert.deepEqual(await found(admin, 'fjord FREIGHT'), ['Nordic-1'])
    assert.deepEqual(await found(admin, 'über straße'), [], 'the old company is no longer found')
    await t.models.Client.update({ company: 'ÜBER Straße Nordic Parcel' }, { where: { id }, individualHooks: true })
  })

  test('search finds what ILIKE on the fields found: any case (beyond ASCII too), within one field, in the row scope', async () => {
    assert.deepEqual(await found(admin, 'NORDIC PAR'), ['Nordic-1', 'nordic-2'])
    assert.deepEqual(await found(admin, 'über STRASSE'), [], 'case-insensitive is not accent- or spelling-insensitive')
    assert.deepEqual(await found(admin, 'Über Straße'), ['Nordic-1'])
    assert.deepEqual(await found(admin, 'üBER sTRAßE nordic'), ['Nordic-1'])
    assert.deepEqual(await found(admin, 'desk@nordic'), ['Nordic-1'])
    assert.deepEqual(await found(admin, 'parcel\u001fdesk'), [], 'the separator typed in: looked for field by field')
    assert.deepEqual(await found(admin, 'parcel desk'), [], 'from one field into the next')
    assert.deepEqual(await found(manager2, 'nordic par'), ['nordic-2'])
  })

  test('is no attribute: never read, shown or listed', async () => {
    const attributes = t.models.Client.getAttributes()
    assert.ok(!(SEARCH_TEXT_COLUMN in attributes) && !('searchText' in attributes))
    const show = await admin.get(api.record('Client', id, 'show'))
    assert.equal(show.status, 200)
    assert.doesNotMatch(JSON.stringify(show.body), /search_?text/i)
    const list = await admin.get(api.list('Client')).query({ q: 'nordic' })
    assert.equal(list.body.meta.total, 2)
    assert.doesNotMatch(JSON.stringify(list.body), /search_?text/i)
    // Written rows come back as the model reads them (INSERT … RETURNING), without it too.
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), company: 'Nordic Returning' }))
    assert.equal(created.status, 200)
    assert.ok(created.body.record?.id, JSON.stringify(created.body.record?.errors))
    assert.doesNotMatch(JSON.stringify(created.body), /search_?text/i)
    const edited = await admin.post(api.record('Client', created.body.record.id, 'edit')).type('form').send({ company: 'Nordic Returned' })
    assert.equal(edited.status, 200)
    assert.doesNotMatch(JSON.stringify(edited.body), /search_?text/i)
    assert.equal(((await rows('SELECT search_text FROM clients WHERE id = :id', { id: created.body.record.id }))[0].search_text as string).split('\u001f')[1], 'nordic returned')
    await t.models.Client.destroy({ where: { id: created.body.record.id } })
    const chosen = await admin.get(api.list('Client')).query({ columns: `login,${SEARCH_TEXT_COLUMN}` })
    assert.equal(chosen.status, 400, 'not a column a list can show')
    assert.equal((await admin.get(api.list('Client')).query({ sortBy: SEARCH_TEXT_COLUMN })).status, 400, 'nor sort by')
    assert.equal((await admin.get(api.list('Client')).query({ [`filters.${SEARCH_TEXT_COLUMN}`]: 'nordic' })).status, 400, 'nor filter by')
  })

  test('is never exported, and an import naming it is refused as an unknown column', async () => {
    const csv = await admin.get('/admin/exports/Client.csv').query({ q: 'nordic' }).buffer(true)
    assert.equal(csv.status, 200)
    assert.doesNotMatch(csv.text, /search_?text|nordic-1\u001f/i)
    const file = `Login,E-mail,${SEARCH_TEXT_COLUMN}\r\nNordic-1,desk@nordic.example,anything\r\n`
    const imported = await admin.post('/admin/imports/Client').field('dryRun', '1').attach('file', Buffer.from(file), { filename: 'clients.csv', contentType: 'text/csv' })
    assert.equal(imported.status, 400, JSON.stringify(imported.body))
    assert.match(JSON.stringify(imported.body), new RegExp(`Unknown column: \\\\"${SEARCH_TEXT_COLUMN}\\\\"`))
  })

  test('is never in the history, and a write that changes no field raises no version', async () => {
    const entries = () => rows(`SELECT changes FROM change_history WHERE resource = 'Client' AND record_id = :id ORDER BY id`, { id })
    const version = async () => Number((await rows('SELECT version FROM clients WHERE id = :id', { id }))[0].version)
    const [created] = await entries()
    assert.ok(created.changes.length > 0)
    assert.ok(created.changes.every((change: { field: string }) => !/search/.test(change.field)), JSON.stringify(created.changes))
    const before = { entries: (await entries()).length, version: await version() }
    // The generated column is NULL in a BEFORE trigger's NEW: compared there, every write would count.
    await t.db.sequelize.query('UPDATE clients SET company = company, login = login WHERE id = :id', { replacements: { id } })
    assert.equal(await version(), before.version, 'no version for a write that changes nothing')
    assert.equal((await entries()).length, before.entries, 'no history entry for it')
    await t.db.sequelize.query(`UPDATE clients SET company = 'Nordic Parcel Oy' WHERE id = :id`, { replacements: { id } })
    assert.equal(await version(), before.version + 1)
    const last = (await entries()).at(-1)!
    assert.deepEqual(last.changes, [{ field: 'company', old: 'ÜBER Straße Nordic Parcel', new: 'Nordic Parcel Oy' }])
  })
})
