import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { stringify } from 'csv-stringify/sync'
import { QueryTypes } from 'sequelize'
import { createClient, startTestApp, type TestApp } from './helpers/harness.js'

// POST /admin/imports/SenderName: the import is the registry's, not the client's. The entry's
// importKey (client + name) matches rows, the ownership through the client scopes them, and the
// entry's role rules (only an admin approves; a manager's change of an approved name resets it)
// hold as in the form. Then reverting a sender name's change from its history, by both roles.

type Agent = Awaited<ReturnType<TestApp['loginAs']>>

let t: TestApp
let admin: Agent
let manager1: Agent
let manager2: Agent
let ownLogin: string
let othersLogin: string
let ownClient: number
let othersClient: number

const IMPORT = '/admin/imports/SenderName'
const csv = (rows: string[][]) => stringify(rows, { record_delimiter: 'windows' })
const upload = (agent: Agent, body: string, dryRun: '0' | '1') =>
  agent.post(IMPORT).field('dryRun', dryRun).attach('file', Buffer.from(body), { filename: 'sender-names.csv', contentType: 'text/csv' })
const insert = async (clientId: number, name: string, values: Record<string, unknown> = {}) =>
  Number((await t.models.SenderName.create({ clientId, name, ...values })).get('id'))
const stored = async (id: number) => (await t.models.SenderName.findByPk(id))?.get({ plain: true }) as Record<string, unknown>
const namesOf = async (clientId: number) =>
  (
    (await t.db.sequelize.query(`SELECT name, status, comment FROM sender_names WHERE client_id = :clientId ORDER BY name`, {
      replacements: { clientId },
      type: QueryTypes.SELECT,
    })) as { name: string; status: string; comment: string | null }[]
  ).map((row) => `${row.name}:${row.status}:${row.comment ?? ''}`)

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
  ownLogin = `own-${Date.now()}`
  othersLogin = `others-${Date.now()}`
  ownClient = await createClient(t, ownLogin, { managerId: t.ids.manager1 })
  othersClient = await createClient(t, othersLogin, { managerId: t.ids.manager2 })
})
after(() => t.close())

describe('import', () => {
  test('the export reads back: rows match by client and name in any case; new ones are created pending', async () => {
    const id = await insert(ownClient, 'Round Trip')
    const exported = await admin.get('/admin/exports/SenderName.csv').query({ 'filters.clientId': ownClient })
    assert.equal(exported.status, 200, exported.text)
    const [header, ...rows] = exported.text.replace(/^\uFEFF/, '').trim().split('\r\n')
    const edited = [header, ...rows.map((row) => row.replace('Round Trip,pending,', 'ROUND TRIP,pending,Checked'))].join('\r\n')
    const file = `${edited}\r\n${ownLogin.toUpperCase()},New Brand,,,,,\r\n`
    const dry = await upload(admin, file, '1')
    assert.equal(dry.status, 200, dry.text)
    assert.deepEqual([dry.body.updated, dry.body.created, dry.body.failed], [1, 1, 0], JSON.stringify(dry.body.rows))
    assert.equal(dry.body.rows[0].login, `${ownLogin} / ROUND TRIP`, 'the key as the file has it')
    assert.deepEqual(dry.body.rows[0].changes, { comment: { from: '', to: 'Checked' } })
    assert.deepEqual(await namesOf(ownClient), ['Round Trip:pending:'], 'a dry run saves nothing')

    const applied = await upload(admin, file, '0')
    assert.deepEqual([applied.body.updated, applied.body.created, applied.body.failed], [1, 1, 0], JSON.stringify(applied.body.rows))
    assert.deepEqual(await namesOf(ownClient), ['New Brand:pending:', 'Round Trip:pending:Checked'], 'the match never renames')
    assert.equal((await stored(id)).comment, 'Checked')
    const [{ n }] = (await t.db.sequelize.query(`SELECT count(*)::int AS n FROM change_history WHERE resource = 'SenderName' AND operation LIKE 'import:%'`, {
      type: QueryTypes.SELECT,
    })) as { n: number }[]
    assert.equal(n, 2, 'each write is in the history, under the import')
  })

  test('a name twice for one client (any case) refuses the file: the composite unique rule; the key columns are required', async () => {
    const twice = await upload(admin, csv([['Client', 'Sender name'], [ownLogin, 'Twice'], [ownLogin.toUpperCase(), 'TWICE']]), '1')
    assert.equal(twice.status, 400)
    assert.match(twice.body.error, /Each Client and Sender name may appear only once in the file; repeated: ".+ \/ TWICE" \(rows 1 and 2\)/)
    const otherClients = await upload(admin, csv([['Client', 'Sender name'], [ownLogin, 'Shared'], [othersLogin, 'SHARED']]), '1')
    assert.equal(otherClients.status, 200, 'another client may have the same name')
    assert.equal(otherClients.body.created, 2)
    const noClient = await upload(admin, csv([['Sender name', 'Status'], ['Lonely', 'pending']]), '1')
    assert.equal(noClient.status, 400)
    assert.match(noClient.body.error, /Missing required column: Client/)
  })

  test("a manager imports only their own clients' sender names: another's client is not found or not yours, and nothing is saved", async () => {
    await insert(othersClient, 'Theirs')
    const file = csv([['Client', 'Sender name', 'Comment'], [ownLogin, 'Mine Now', 'ok'], [othersLogin, 'Theirs', 'taken over'], ['no-such-login', 'Ghost', '']])
    const response = await upload(manager1, file, '0')
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.body.rows.map((row: { action: string }) => row.action), ['create', 'error', 'error'])
    assert.deepEqual(response.body.rows[1].errors, { clientId: 'Not found or not yours' })
    assert.deepEqual(response.body.rows[2].errors, { clientId: 'Not found or not yours' }, 'in the same words as a client that does not exist')
    assert.deepEqual(await namesOf(othersClient), ['Theirs:pending:'])
    assert.ok(!(await namesOf(ownClient)).some((row) => row.startsWith('Mine Now')), 'all or nothing')
    // Their own file of their own clients goes through.
    const own = await upload(manager2, csv([['Client', 'Sender name', 'Comment'], [othersLogin, 'theirs', 'noted']]), '0')
    assert.deepEqual([own.body.updated, own.body.failed], [1, 0], JSON.stringify(own.body.rows))
  })

  test("a manager cannot approve by import; keeping an approved status is no approving; an admin approves", async () => {
    const approved = await insert(ownClient, 'Approved', { status: 'approved' })
    const pending = await insert(ownClient, 'Waiting')
    const file = csv([
      ['Client', 'Sender name', 'Status', 'Comment'],
      [ownLogin, 'Approved', 'approved', 'still fine'],
      [ownLogin, 'Waiting', 'approved', ''],
      [ownLogin, 'Self Made', 'approved', ''],
    ])
    const refused = await upload(manager1, file, '0')
    assert.deepEqual(refused.body.rows.map((row: { action: string }) => row.action), ['update', 'error', 'error'], JSON.stringify(refused.body.rows))
    assert.equal(refused.body.rows[1].errors.status, 'Only an administrator can approve a sender name')
    assert.equal(refused.body.rows[2].errors.status, 'Only an administrator can approve a sender name')
    assert.equal((await stored(pending)).status, 'pending')

    const kept = await upload(manager1, csv([['Client', 'Sender name', 'Status', 'Comment'], [ownLogin, 'Approved', 'approved', 'still fine']]), '0')
    assert.deepEqual([kept.body.updated, kept.body.failed], [1, 0], JSON.stringify(kept.body.rows))
    assert.deepEqual([(await stored(approved)).status, (await stored(approved)).comment], ['approved', 'still fine'])

    const byAdmin = await upload(admin, csv([['Client', 'Sender name', 'Status'], [ownLogin, 'Waiting', 'approved']]), '0')
    assert.deepEqual([byAdmin.body.updated, byAdmin.body.failed], [1, 0], JSON.stringify(byAdmin.body.rows))
    assert.equal((await stored(pending)).status, 'approved')
  })

  test('recent imports and unknown resources', async () => {
    const recent = await manager1.get(`${IMPORT}/jobs`)
    assert.equal(recent.status, 200, recent.text)
    assert.ok(Array.isArray(recent.body.imports))
  })
})
