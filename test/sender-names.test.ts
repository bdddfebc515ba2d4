import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { api, createClient, pageLayout, startTestApp, type TestApp } from './helpers/harness.js'

// Sender names are built only from declarations: the definition (ownership through the client,
// history, the name's rules), the registry entry (approval and rename rules, preset) and a generated
// migration. These tests hold each rule over the panel's HTTP routes, for both roles.

type Agent = Awaited<ReturnType<TestApp['loginAs']>>

let t: TestApp
let admin: Agent
let manager1: Agent
let manager2: Agent
let ownClient: number
let othersClient: number
let counter = 0

const uniqueName = () => `Brand ${++counter}`.slice(0, 11)

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
  ownClient = await createClient(t, `own-${Date.now()}`, { managerId: t.ids.manager1 })
  othersClient = await createClient(t, `others-${Date.now()}`, { managerId: t.ids.manager2 })
})
after(() => t.close())

const create = (agent: Agent, values: Record<string, string>) => agent.post(api.new('SenderName')).type('form').send(values)
const edit = (agent: Agent, id: number, values: Record<string, string>) => agent.post(api.record('SenderName', id, 'edit')).type('form').send(values)
const stored = async (id: number) => (await t.models.SenderName.findByPk(id))?.get({ plain: true }) as Record<string, unknown> | undefined
const insert = async (clientId: number, values: Record<string, unknown> = {}) =>
  Number((await t.models.SenderName.create({ clientId, name: uniqueName(), ...values })).get('id'))

describe('the name', () => {
  test('3 to 11 letters, digits and spaces; each refusal on the field', async () => {
    for (const [name, message] of [
      ['ab', /at least 3/],
      ['ABCDEFGHIJKL', /at most 11/],
      ['Brand!', /letters, digits and spaces/],
    ] as const) {
      const response = await create(admin, { clientId: String(ownClient), name })
      assert.equal(response.body.notice?.type, 'error', name)
      assert.match(response.body.record.errors.name.message, message, name)
    }
    const response = await create(admin, { clientId: String(ownClient), name: 'Acme 24' })
    assert.equal(response.body.notice?.type, 'success', JSON.stringify(response.body.record?.errors))
    assert.equal((await stored(response.body.record.id))?.status, 'pending', 'a new sender name waits for approval')
  })

  test('unique per client ignoring case, a message on the field; another client may have it', async () => {
    await create(admin, { clientId: String(ownClient), name: 'SameName' })
    const twice = await create(admin, { clientId: String(ownClient), name: 'samename' })
    assert.equal(twice.body.notice?.type, 'error')
    assert.equal(twice.body.record.errors.name.message, 'This Sender name is already taken for this Client')
    const elsewhere = await create(admin, { clientId: String(othersClient), name: 'SAMENAME' })
    assert.equal(elsewhere.body.notice?.type, 'success', JSON.stringify(elsewhere.body.record?.errors))
  })

  test('the database holds the rules too (raw SQL)', async () => {
    const sql = (name: string) =>
      t.db.sequelize.query(`INSERT INTO sender_names (client_id, name) VALUES (:client, :name)`, { replacements: { client: ownClient, name } })
    await assert.rejects(sql('bad name!'), (error: any) => error.parent?.constraint === 'sender_names_name_pattern')
    await assert.rejects(sql('ab'), (error: any) => error.parent?.constraint === 'sender_names_name_length')
    await sql('Raw Name')
    await assert.rejects(sql('RAW NAME'), (error: any) => error.parent?.constraint === 'sender_names_name_unique')
    await assert.rejects(
      t.db.sequelize.query(`UPDATE sender_names SET status = 'maybe' WHERE client_id = :client`, { replacements: { client: ownClient } }),
      (error: any) => error.parent?.constraint === 'sender_names_status_check',
    )
  })

  test("deleting a client deletes its sender names (ON DELETE CASCADE)", async () => {
    const client = await createClient(t, `cascade-${Date.now()}`, { managerId: t.ids.manager1 })
    const id = await insert(client)
    await t.models.Client.destroy({ where: { id: client } })
    assert.equal(await stored(id), undefined)
  })
})

describe('approval', () => {
  test('an admin approves; a manager cannot, by form or by a direct API call', async () => {
    const id = await insert(ownClient)
    const refused = await edit(manager1, id, { status: 'approved' })
    assert.equal(refused.body.notice?.type, 'error')
    assert.equal(refused.body.record.errors.status.message, 'Only an administrator can approve a sender name')
    assert.equal((await stored(id))?.status, 'pending')

    const onCreate = await create(manager1, { clientId: String(ownClient), name: uniqueName(), status: 'approved' })
    assert.equal(onCreate.body.notice?.type, 'error')
    assert.match(onCreate.body.record.errors.status.message, /administrator/)

    const approved = await edit(admin, id, { status: 'approved' })
    assert.equal(approved.body.notice?.type, 'success', JSON.stringify(approved.body.record?.errors))
    assert.equal((await stored(id))?.status, 'approved')
  })

  test("a manager's edit that keeps an approved status saves; their rename puts it back to pending", async () => {
    const id = await insert(ownClient, { status: 'approved' })
    const before = await stored(id)
    // The form posts every field back, the approved status included: keeping it is no approving.
    const comment = await edit(manager1, id, { name: String(before!.name), status: 'approved', comment: 'Used for OTP' })
    assert.equal(comment.body.notice?.type, 'success', JSON.stringify(comment.body.record?.errors))
    assert.equal((await stored(id))?.status, 'approved')

    const renamed = await edit(manager1, id, { name: 'Renamed', status: 'approved' })
    assert.equal(renamed.body.notice?.type, 'success', JSON.stringify(renamed.body.record?.errors))
    assert.deepEqual([(await stored(id))?.name, (await stored(id))?.status], ['Renamed', 'pending'])

    await edit(admin, id, { status: 'approved' })
    const adminRename = await edit(admin, id, { name: 'Admin Name' })
    assert.equal(adminRename.body.notice?.type, 'success')
    assert.equal((await stored(id))?.status, 'approved', "an administrator's rename stays approved")
  })

  test('a manager may reject or withdraw to pending', async () => {
    const id = await insert(ownClient)
    assert.equal((await edit(manager1, id, { status: 'rejected' })).body.notice?.type, 'success')
    assert.equal((await stored(id))?.status, 'rejected')
  })
})

describe("a manager and other managers' clients", () => {
  test("lists, shows and searches only their own clients' sender names", async () => {
    const mine = await insert(ownClient)
    const theirs = await insert(othersClient, { name: 'Hidden One' })
    const list = await manager1.get(api.list('SenderName')).query({ perPage: 100 })
    const ids = list.body.records.map((record: { id: string }) => Number(record.id))
    assert.ok(ids.includes(mine))
    assert.ok(!ids.includes(theirs))
    const [{ count }] = (await t.db.sequelize.query(
      `SELECT count(*)::int AS count FROM sender_names s JOIN clients c ON c.id = s.client_id WHERE c.manager_id = :manager`,
      { replacements: { manager: t.ids.manager1 }, type: QueryTypes.SELECT },
    )) as { count: number }[]
    assert.equal(list.body.meta.total, count)
    const show = await manager1.get(api.record('SenderName', theirs, 'show'))
    assert.equal(show.body.notice?.type, 'error')
    assert.doesNotMatch(show.text, /Hidden One/)
    const filtered = await manager1.get(api.list('SenderName')).query({ 'filters.clientId': othersClient })
    assert.equal(filtered.body.meta.total, 0)
    const search = await manager1.get(api.search('SenderName', 'Hidden'))
    assert.deepEqual(search.body.records, [])
    // The other manager sees theirs.
    assert.equal((await manager2.get(api.record('SenderName', theirs, 'show'))).body.record.params.name, 'Hidden One')
  })

  test("cannot request one for another manager's client, nor move one there, nor edit or delete one of theirs", async () => {
    const refused = await create(manager1, { clientId: String(othersClient), name: uniqueName() })
    assert.equal(refused.body.notice?.type, 'error')
    assert.equal(refused.body.record.errors.clientId.message, 'Choose one of your own clients')

    const mine = await insert(ownClient)
    const moved = await edit(manager1, mine, { clientId: String(othersClient) })
    assert.equal(moved.body.notice?.type, 'error')
    assert.equal((await stored(mine))?.clientId, ownClient)

    const theirs = await insert(othersClient)
    const editOthers = await edit(manager1, theirs, { name: 'Hijacked' })
    assert.equal(editOthers.body.notice?.type, 'error')
    assert.notEqual((await stored(theirs))?.name, 'Hijacked')
  })

  test('managers do not delete (single or bulk); admins do', async () => {
    const id = await insert(ownClient)
    assert.equal((await manager1.post(api.record('SenderName', id, 'delete'))).body.notice?.type, 'error')
    assert.equal((await manager1.post(api.bulk('SenderName', 'bulkDelete', [id]))).body.notice?.type, 'error')
    assert.ok(await stored(id))
    assert.equal((await admin.post(api.record('SenderName', id, 'delete'))).body.notice?.type, 'success')
    assert.equal(await stored(id), undefined)
  })
})

describe('history', () => {
  test('every change is recorded and the owning manager reads it; another manager does not', async () => {
    const created = await create(manager1, { clientId: String(ownClient), name: 'Hist Name' })
    const id = Number(created.body.record.id)
    await edit(admin, id, { status: 'approved' })
    await edit(manager1, id, { name: 'Hist Two' })
    await admin.post(api.record('SenderName', id, 'delete'))

    const filters = { 'filters.resource': 'SenderName', 'filters.recordId': String(id) }
    const own = await manager1.get(api.list('ChangeHistory')).query(filters)
    const actions = own.body.records.map((record: { params: { action: string } }) => record.params.action)
    assert.deepEqual(actions, ['delete', 'update', 'update', 'create'])
    const summaries = own.body.records.map((record: { params: { summary: string } }) => record.params.summary)
    assert.match(summaries[1], /Sender name: Hist Name → Hist Two/)
    assert.match(summaries[1], /Status: Approved → Pending/)
    assert.match(summaries[2], /Status: Pending → Approved/)
    assert.equal(own.body.records[2].params.actorEmail, 'admin@example.com')

    const other = await manager2.get(api.list('ChangeHistory')).query(filters)
    assert.equal(other.body.meta.total, 0)
  })

  test("the owning manager's home page lists the change; another manager's does not", async () => {
    const id = await insert(ownClient, { name: 'Home Page' })
    const mine = await manager1.get('/admin/api/dashboard')
    const change = mine.body.recentChanges.find((entry: { resource: string; recordId: number }) => entry.resource === 'SenderName' && entry.recordId === id)
    assert.ok(change, 'listed for the owning manager')
    assert.equal(change.resourceLabel, 'Sender name')
    assert.equal(change.title, 'Home Page')
    const theirs = await manager2.get('/admin/api/dashboard')
    assert.ok(!theirs.body.recentChanges.some((entry: { resource: string; recordId: number }) => entry.resource === 'SenderName' && entry.recordId === id))
  })
})

describe("the client's page", () => {
  test('lists its sender names through the filtered list, with a "New" that names the client', async () => {
    const show = await manager1.get(api.record('Client', ownClient, 'show'))
    assert.equal(show.status, 200)
    const layout = JSON.stringify(await pageLayout(manager1, 'Client', 'show'))
    assert.match(layout, /"Sender names".*"relatedSenderName".*"Change history"/, 'the list sits before the history')
    const resource = await manager1.get('/admin/api/resources/SenderName/actions/list').query({ 'filters.clientId': ownClient, perPage: 10 })
    assert.ok(resource.body.records.length > 0)
    assert.ok(resource.body.records.every((record: { params: { clientId: number } }) => Number(record.params.clientId) === ownClient))
  })
})

describe('export', () => {
  test("CSV of the list as the user sees it: a manager's file holds only their own clients' sender names", async () => {
    await insert(ownClient, { name: 'Export Mine' })
    await insert(othersClient, { name: 'Export Hers' })
    const mine = await manager1.get('/admin/exports/SenderName.csv').query({ 'filters.name': 'Export' })
    assert.equal(mine.status, 200, mine.text)
    assert.match(mine.headers['content-type'], /text\/csv/)
    const [header, ...rows] = mine.text.replace(/^\uFEFF/, '').trim().split('\r\n')
    assert.match(header, /^Client,Sender name,Status,Comment,ID,Created,Updated$/)
    assert.equal(rows.length, 1, mine.text)
    assert.match(rows[0], /^own-\d+,Export Mine,pending,/, 'the client by its login, as the import would read it back')
    const all = await admin.get('/admin/exports/SenderName.csv').query({ 'filters.name': 'Export' })
    assert.equal(all.text.trim().split('\r\n').length, 3)
    const refused = await manager1.get('/admin/exports/SenderName.csv').query({ 'filters.clientId': othersClient })
    assert.equal(refused.text.trim().split('\r\n').length, 1, 'a filter on another manager’s client finds nothing')
  })
})

describe('names in the history', () => {
  test("a manager reads their own client's login in a sender name's history, never another manager's", async () => {
    const id = await insert(ownClient, { name: 'Moved One' })
    const filters = { 'filters.resource': 'SenderName', 'filters.recordId': String(id) }
    const [created] = (await manager1.get(api.list('ChangeHistory')).query(filters)).body.records
    const ownLogin = String((await t.models.Client.findByPk(ownClient))?.get('login'))
    const othersLogin = String((await t.models.Client.findByPk(othersClient))?.get('login'))
    assert.match(created.params.summary, new RegExp(`Client: \\(empty\\) → ${ownLogin}`))
    // An administrator moves it to manager2's client: manager2 reads that entry, with manager1's client as an id only.
    assert.equal((await edit(admin, id, { clientId: String(othersClient) })).body.notice?.type, 'success')
    const moved = (await manager2.get(api.list('ChangeHistory')).query(filters)).body.records
    const move = moved.find((record: { params: { action: string } }) => record.params.action === 'update')
    assert.ok(move, 'the move is in the new client’s history')
    assert.match(move.params.summary, new RegExp(`Client: #${ownClient} → ${othersLogin}`))
    assert.doesNotMatch(JSON.stringify(moved), new RegExp(ownLogin))
  })
})

describe('reverting a change from the history', () => {
  const lastEntry = async (id: number) =>
    (
      (await t.db.sequelize.query(`SELECT id::text AS id FROM change_history WHERE resource = 'SenderName' AND record_id = :id ORDER BY id DESC LIMIT 1`, {
        replacements: { id },
        type: QueryTypes.SELECT,
      })) as { id: string }[]
    )[0].id
  const revert = (agent: Agent, entryId: string, whole = false) =>
    agent.post(`${api.record('ChangeHistory', entryId, 'revert')}${whole ? '?whole=1' : ''}`).type('form').send({})

  test("is offered and works for a sender name's change; the owning manager may, another manager may not", async () => {
    const id = await insert(ownClient, { comment: 'Before' })
    await edit(admin, id, { comment: 'After' })
    const entry = await lastEntry(id)
    const shown = await manager1.get(api.record('ChangeHistory', entry, 'show'))
    assert.ok(shown.body.record.recordActions.some((action: { name: string }) => action.name === 'revert'), 'the owning manager is offered the revert')

    const foreign = await revert(manager2, entry)
    assert.notEqual(foreign.body.notice?.type, 'success')
    assert.equal((await stored(id))?.comment, 'After')

    const reverted = await revert(manager1, entry)
    assert.equal(reverted.body.notice?.type, 'success', reverted.body.notice?.message)
    assert.equal(reverted.body.redirectUrl, `/admin/resources/SenderName/records/${id}/show`)
    assert.equal((await stored(id))?.comment, 'Before')
    const [last] = (await t.db.sequelize.query(`SELECT actor_id, operation FROM change_history WHERE id = :id`, {
      replacements: { id: await lastEntry(id) },
      type: QueryTypes.SELECT,
    })) as { actor_id: number; operation: string }[]
    assert.deepEqual(last, { actor_id: t.ids.manager1, operation: `revert:${entry}` })
    assert.equal((await revert(manager1, entry)).body.notice?.message, 'Not reverted: This change was already reverted')
  })

  test("the entry's role rules hold: a manager cannot restore an approval; their revert of a rename sends it back to pending", async () => {
    const id = await insert(ownClient, { name: 'Alpha', status: 'approved' })
    await edit(admin, id, { status: 'rejected' })
    const rejection = await lastEntry(id)
    const refused = await revert(manager1, rejection)
    assert.equal(refused.body.notice?.message, 'Not reverted: Only an administrator can approve a sender name')
    assert.equal((await stored(id))?.status, 'rejected')
    assert.equal((await revert(admin, rejection)).body.notice?.type, 'success')
    assert.equal((await stored(id))?.status, 'approved')

    await edit(admin, id, { name: 'Beta' })
    assert.deepEqual([(await stored(id))?.name, (await stored(id))?.status], ['Beta', 'approved'])
    const renamed = await revert(manager1, await lastEntry(id))
    assert.equal(renamed.body.notice?.type, 'success', renamed.body.notice?.message)
    assert.deepEqual([(await stored(id))?.name, (await stored(id))?.status], ['Alpha', 'pending'])
  })

  test("a manager cannot revert a move that would put the sender name under another manager's client; an admin can", async () => {
    const id = await insert(othersClient)
    await edit(admin, id, { clientId: String(ownClient) })
    const move = await lastEntry(id)
    const refused = await revert(manager1, move)
    assert.equal(refused.body.notice?.type, 'error')
    assert.match(refused.body.notice.message, /Not found or not yours/)
    assert.equal((await stored(id))?.clientId, ownClient)
    assert.equal((await revert(admin, move)).body.notice?.type, 'success')
    assert.equal((await stored(id))?.clientId, othersClient)
  })
})
