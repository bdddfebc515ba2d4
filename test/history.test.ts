import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { clientDefinition } from '../src/resources/client/client.fields.js'
import { api, pageLayout, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>
let manager1: Awaited<ReturnType<TestApp['loginAs']>>

type Entry = { action: string; actor_email: string; actor_id: number | null; changes: { field: string; old?: unknown; new?: unknown; passwordChanged?: boolean }[] }

const entriesOf = async (resource: string, recordId: number) =>
  (await t.db.sequelize.query(
    `SELECT action, actor_email, actor_id, changes FROM change_history WHERE resource = :resource AND record_id = :recordId ORDER BY id`,
    { replacements: { resource, recordId }, type: QueryTypes.SELECT },
  )) as Entry[]

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
})
after(() => t.close())

describe('every change of a client is recorded', () => {
  test('create, edit two fields, delete: three entries with exactly the changed fields and values', async () => {
    const form = validClientForm({ managerId: String(t.ids.manager1), company: 'Before GmbH', allowCredit: '100.00' })
    const created = await admin.post(api.new('Client')).type('form').send(form)
    assert.equal(created.body.notice.type, 'success', JSON.stringify(created.body.record.errors))
    const id = created.body.record.id
    const edited = await admin.post(api.record('Client', id, 'edit')).type('form').send({ allowCredit: '5000', company: 'After GmbH' })
    assert.equal(edited.body.notice.type, 'success', JSON.stringify(edited.body.record.errors))
    const deleted = await admin.post(api.record('Client', id, 'delete'))
    assert.equal(deleted.body.notice.type, 'success')

    const entries = await entriesOf('Client', id)
    assert.deepEqual(entries.map((entry) => entry.action), ['create', 'update', 'delete'])
    for (const entry of entries) {
      assert.equal(entry.actor_email, 'admin@example.com')
      assert.equal(entry.actor_id, t.ids.admin)
    }
    const [create, update, remove] = entries
    const createdFields = Object.fromEntries(create.changes.map((change) => [change.field, change.new]))
    assert.equal(createdFields.login, form.login)
    assert.equal(createdFields.company, 'Before GmbH')
    assert.equal(createdFields.allow_credit, 100)
    assert.ok(create.changes.some((change) => change.field === 'password' && change.passwordChanged))
    assert.deepEqual(update.changes, [
      { field: 'allow_credit', old: 100, new: 5000 },
      { field: 'company', old: 'Before GmbH', new: 'After GmbH' },
    ])
    assert.ok(remove.changes.some((change) => change.field === 'login' && change.old === form.login && change.new === null))
  })

  test('a password change is recorded without any value', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    const id = created.body.record.id
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ password: 'brand-new-password', passwordConfirmation: 'brand-new-password' })
    const [, update] = await entriesOf('Client', id)
    assert.deepEqual(update.changes, [{ field: 'password', passwordChanged: true }])
    const [{ everything }] = (await t.db.sequelize.query(`SELECT string_agg(changes::text, ' ') AS everything FROM change_history`, {
      type: QueryTypes.SELECT,
    })) as { everything: string }[]
    assert.doesNotMatch(everything, /\$2[aby]\$|brand-new-password|secret-password-1|password_hash/)
  })

  test('writes around the panel are recorded too, as "system"', async () => {
    const row = await t.models.Client.create({
      login: 'script-made',
      password: 'secret-password-1',
      passwordConfirmation: 'secret-password-1',
      managerId: t.ids.manager1,
      email: 'script@example.com',
    })
    const id = Number(row.get('id'))
    await t.models.Client.update({ smsPriority: 2 }, { where: { id } })
    await t.db.sequelize.query(`UPDATE clients SET dlr_wait_days = 9 WHERE id = :id`, { replacements: { id } })
    const entries = await entriesOf('Client', id)
    assert.deepEqual(entries.map((entry) => [entry.action, entry.actor_email]), [
      ['create', 'system'],
      ['update', 'system'],
      ['update', 'system'],
    ])
    assert.deepEqual(entries[2].changes, [{ field: 'dlr_wait_days', old: 3, new: 9 }])
  })

  test('admin users and products have history as well', async () => {
    const product = await admin.post(api.new('Product')).type('form').send({ code: 'HIST', name: 'History plan', active: 'true' })
    const entries = await entriesOf('Product', product.body.record.id)
    assert.equal(entries[0].action, 'create')
    assert.equal(entries[0].actor_email, 'admin@example.com')
  })
})

describe('a big first import into a small table', () => {
  test("noting each new client's owner does not scan the clients table once per row", async () => {
    // In one transaction, as an import's chunk runs: the lookup is first planned while the table
    // holds a few rows, then 2,000 more arrive. pg_stat_xact_user_tables counts this transaction's scans.
    const transaction = await t.db.sequelize.transaction()
    try {
      const insert = (prefix: string, rows: number) =>
        t.db.sequelize.query(
          `INSERT INTO clients (login, password_hash, manager_id, email, company)
           SELECT :prefix || n, 'x', :manager, :prefix || n || '@example.com', 'Owner Co' FROM generate_series(1, :rows) AS n`,
          { replacements: { prefix, manager: t.ids.manager1, rows }, transaction },
        )
      const scansSoFar = async () =>
        ((await t.db.sequelize.query(`SELECT coalesce(sum(seq_scan), 0)::int AS scans FROM pg_stat_xact_user_tables WHERE relname = 'clients'`, {
          type: QueryTypes.SELECT,
          transaction,
        })) as { scans: number }[])[0].scans
      await insert('owner-warm-', 3)
      await insert('owner-warm-again-', 3)
      const start = await scansSoFar()
      await insert('owner-many-', 2_000)
      const scans = (await scansSoFar()) - start
      assert.ok(scans < 200, `the clients table was scanned ${scans} times for 2,000 new rows`)
    } finally {
      await transaction.rollback()
    }
  })
})

describe("whose change an entry is (a manager's latest changes)", () => {
  test("a client's entry is its manager's after the change, without a lookup of the client; a deletion is nobody's; a sender name's is its client's manager's", async () => {
    const transaction = await t.db.sequelize.transaction()
    try {
      const query = <T>(sql: string, replacements: Record<string, unknown> = {}) =>
        t.db.sequelize.query(sql, { replacements, transaction, type: QueryTypes.SELECT }) as Promise<T[]>
      // pg_stat_xact_user_functions counts this transaction's calls of the owner trigger's function.
      await t.db.sequelize.query(`SET LOCAL track_functions = 'pl'`, { transaction })
      const [{ id }] = await query<{ id: number }>(
        `INSERT INTO clients (login, password_hash, manager_id, email) VALUES ('owner-noted', 'x', :manager, 'owner-noted@example.com') RETURNING id`,
        { manager: t.ids.manager1 },
      )
      await query(`UPDATE clients SET company = 'Handed over', manager_id = :manager WHERE id = :id RETURNING id`, { id, manager: t.ids.manager2 })
      await query(`UPDATE clients SET company = 'Handed over' WHERE id = :id RETURNING id`, { id })
      await query(`INSERT INTO sender_names (client_id, name) VALUES (:id, 'OWNERNOTED') RETURNING id`, { id })
      await query(`DELETE FROM sender_names WHERE client_id = :id RETURNING id`, { id })
      await query(`DELETE FROM clients WHERE id = :id RETURNING id`, { id })

      const entries = await query<{ resource: string; action: string; manager_id: number | null }>(
        `SELECT h.resource, h.action, o.manager_id FROM change_history h LEFT JOIN client_change_owners o ON o.change_id = h.id
          WHERE h.client_id = :id ORDER BY h.id`,
        { id },
      )
      assert.deepEqual(entries, [
        { resource: 'Client', action: 'create', manager_id: t.ids.manager1 },
        { resource: 'Client', action: 'update', manager_id: t.ids.manager2 },
        { resource: 'SenderName', action: 'create', manager_id: t.ids.manager2 },
        { resource: 'SenderName', action: 'delete', manager_id: t.ids.manager2 },
        { resource: 'Client', action: 'delete', manager_id: null },
      ])
      // A lookup planned at every call (migration 0023) was most of what an entry's owner cost a bulk edit.
      const [{ calls }] = await query<{ calls: number }>(
        `SELECT coalesce(sum(calls), 0)::int AS calls FROM pg_stat_xact_user_functions WHERE funcname = 'client_change_owner'`,
      )
      assert.equal(calls, 2, "only the sender name's entries looked their client up")
    } finally {
      await transaction.rollback()
    }
  })
})

describe('the Change history resource', () => {
  test('answers "who set the credit limit to 5000, and what was it before?" by filtering on the client', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    const id = created.body.record.id
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ allowCredit: '5000' })
    const list = await admin.get(api.list('ChangeHistory')).query({ 'filters.resource': 'Client', 'filters.recordId': id })
    assert.equal(list.body.meta.total, 2)
    const [latest] = list.body.records
    assert.equal(latest.params.actorEmail, 'admin@example.com')
    assert.equal(latest.params.action, 'update')
    assert.equal(latest.params.summary, 'Allow credit: 0.00 → 5000.00')
  })

  test('references read as names, and a manager sees no other user\'s name: not in the list, not by id', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager2), productId: String(t.ids.productActive) }))
    const id = created.body.record.id
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ managerId: String(t.ids.manager1) })
    const list = await admin.get(api.list('ChangeHistory')).query({ 'filters.resource': 'Client', 'filters.recordId': id })
    const [handover, create] = list.body.records.map((record: { params: { summary: string } }) => record.params.summary)
    assert.equal(handover, 'Manager: Mark Manager → Maria Manager')
    assert.match(create, /(^|\n)Manager: \(empty\) → Mark Manager(\n|$)/)
    assert.match(create, /(^|\n)Product: \(empty\) → Business(\n|$)/)

    const asManager = await manager1.get(api.list('ChangeHistory')).query({ 'filters.resource': 'Client', 'filters.recordId': id })
    const summaries = asManager.body.records.map((record: { params: { summary: string } }) => record.params.summary)
    assert.ok(summaries.includes(`Manager: #${t.ids.manager2} → Maria Manager`), JSON.stringify(summaries))
    const entryId = asManager.body.records[0].id
    const shown = await manager1.get(api.record('ChangeHistory', entryId, 'show'))
    assert.equal(shown.body.record.params.summary, `Manager: #${t.ids.manager2} → Maria Manager`)
    assert.doesNotMatch(JSON.stringify([asManager.body, shown.body]), /Mark Manager/)
  })

  test('filters by action, user and date range', async () => {
    const byAction = await admin.get(api.list('ChangeHistory')).query({ 'filters.action': 'delete' })
    assert.ok(byAction.body.records.every((record: { params: { action: string } }) => record.params.action === 'delete'))
    const byUser = await admin.get(api.list('ChangeHistory')).query({ 'filters.actorEmail': 'SYSTEM' })
    assert.ok(byUser.body.meta.total >= 3)
    const future = await admin.get(api.list('ChangeHistory')).query({ 'filters.createdAt~~from': '2999-01-01' })
    assert.equal(future.body.meta.total, 0)
  })

  test("a manager reads the history of their own clients only, by list or by typed-in id", async () => {
    const own = await manager1.post(api.new('Client')).type('form').send(validClientForm())
    const others = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager2) }))
    const list = await manager1.get(api.list('ChangeHistory')).query({ perPage: 500 })
    const clientIds = new Set(list.body.records.map((record: { params: { recordId: number } }) => record.params.recordId))
    assert.ok(clientIds.has(own.body.record.id))
    assert.ok(!clientIds.has(others.body.record.id))
    assert.ok(list.body.records.every((record: { params: { resource: string } }) => record.params.resource === 'Client'))
    const [{ id: foreignEntry }] = (await t.db.sequelize.query(`SELECT id FROM change_history WHERE record_id = :id AND resource = 'Client'`, {
      replacements: { id: others.body.record.id },
      type: QueryTypes.SELECT,
    })) as { id: string }[]
    const show = await manager1.get(api.record('ChangeHistory', foreignEntry, 'show'))
    assert.equal(show.body.notice.type, 'error')
    assert.deepEqual(show.body.record.params, {})
    const filtered = await manager1.get(api.list('ChangeHistory')).query({ 'filters.recordId': others.body.record.id })
    assert.equal(filtered.body.meta.total, 0)
  })

  test('no route edits or deletes an entry, and the database refuses it too', async () => {
    const [{ id }] = (await t.db.sequelize.query(`SELECT id FROM change_history ORDER BY id LIMIT 1`, { type: QueryTypes.SELECT })) as { id: string }[]
    const before = await t.models.ChangeHistory.count()
    for (const response of [
      await admin.post(api.record('ChangeHistory', id, 'edit')).type('form').send({ actorEmail: 'forged@example.com' }),
      await admin.post(api.record('ChangeHistory', id, 'delete')),
      await admin.post(api.bulk('ChangeHistory', 'bulkDelete', [id])),
      await admin.post(api.new('ChangeHistory')).type('form').send({ resource: 'Client', recordId: '1', action: 'create' }),
    ]) {
      assert.equal(response.body.notice.type, 'error')
    }
    assert.equal(await t.models.ChangeHistory.count(), before)
    await assert.rejects(t.db.sequelize.query(`UPDATE change_history SET actor_email = 'forged' WHERE id = :id`, { replacements: { id } }), /cannot be changed/)
    await assert.rejects(t.db.sequelize.query(`DELETE FROM change_history WHERE id = :id`, { replacements: { id } }), /cannot be changed/)
  })

  test("a client's show page lists its history with a link to the full list", async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    const show = await admin.get(api.record('Client', created.body.record.id, 'show'))
    assert.equal(show.status, 200)
    const layout = JSON.stringify((await pageLayout(admin, 'Client', 'show')) ?? [])
    assert.match(layout, /"history"/)
  })
})

test('a history write that fails rolls the change back', async () => {
  const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), company: 'Unchanged Ltd' }))
  const id = created.body.record.id
  await t.db.sequelize.query('ALTER TABLE change_history RENAME TO change_history_offline')
  try {
    const response = await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Changed Ltd' })
    assert.notEqual(response.body?.notice?.type, 'success')
    await assert.rejects(t.models.Client.update({ company: 'Changed by script' }, { where: { id } }))
  } finally {
    await t.db.sequelize.query('ALTER TABLE change_history_offline RENAME TO change_history')
  }
  assert.equal((await t.models.Client.findByPk(id))?.get('company'), 'Unchanged Ltd')
})

describe('the history at scale and its reverts', () => {
  const historyOf = (id: number) => ({ 'filters.resource': 'Client', 'filters.recordId': id })

  test('the list total is exact beyond 1,000 entries, within the row scope and filters', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    const id = created.body.record.id
    // Written with SQL (the table is append-only, inserts are allowed): 1,204 later updates of one client.
    await t.db.sequelize.query(
      `INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes)
       SELECT 'Client', :id, :id, 'update', NULL, 'system', '[{"field": "company", "old": "A", "new": "B"}]'::jsonb FROM generate_series(1, 1204)`,
      { replacements: { id } },
    )
    const [{ all }] = (await t.db.sequelize.query(`SELECT count(*)::int AS all FROM change_history WHERE resource = 'Client' AND record_id = :id`, {
      replacements: { id },
      type: QueryTypes.SELECT,
    })) as { all: number }[]
    assert.equal(all, 1205)
    const asAdmin = await admin.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    assert.equal(asAdmin.body.meta.total, 1205)
    const lastPage = await admin.get(api.list('ChangeHistory')).query({ ...historyOf(id), page: 50 }).expect(200)
    assert.equal(lastPage.body.meta.total, 1205)
    const updates = await admin.get(api.list('ChangeHistory')).query({ ...historyOf(id), 'filters.action': 'update' }).expect(200)
    assert.equal(updates.body.meta.total, 1204)
    const [{ everything }] = (await t.db.sequelize.query(`SELECT count(*)::int AS everything FROM change_history`, { type: QueryTypes.SELECT })) as {
      everything: number
    }[]
    const unfiltered = await admin.get(api.list('ChangeHistory')).query({ 'filters.entries': 'all' }).expect(200)
    assert.equal(unfiltered.body.meta.total, everything)
    // Row scope: the client's manager sees the entries the owner table gives them; another manager none.
    const [{ mine }] = (await t.db.sequelize.query(
      `SELECT count(*)::int AS mine FROM change_history h WHERE h.resource = 'Client' AND h.record_id = :id
          AND h.id IN (SELECT change_id FROM client_change_owners WHERE manager_id = :managerId)`,
      { replacements: { id, managerId: t.ids.manager1 }, type: QueryTypes.SELECT },
    )) as { mine: number }[]
    const asOwner = await manager1.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    assert.equal(asOwner.body.meta.total, mine)
    const manager2 = await t.loginAs('manager2@example.com')
    const asOther = await manager2.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    assert.equal(asOther.body.meta.total, 0)
  })

  const offersRevert = (record: { recordActions?: { name: string }[] }) => Boolean(record.recordActions?.some((action) => action.name === 'revert'))

  test('an entry already reverted offers no revert, and a direct revert of it is refused as already reverted', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), allowCredit: '100.00' }))
    const id = created.body.record.id
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ allowCredit: '5000' })
    const before = await admin.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    const [edit] = before.body.records
    assert.ok(offersRevert(edit), 'a fresh change offers its revert')
    const reverted = await admin.post(api.record('ChangeHistory', edit.id, 'revert')).expect(200)
    assert.equal(reverted.body.notice.type, 'success', reverted.body.notice.message)

    const after = await admin.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    const again = after.body.records.find((record: { id: string }) => String(record.id) === String(edit.id))
    assert.ok(!offersRevert(again), 'a reverted change offers no revert')
    assert.equal(again.params.revertBlocked, 'This change was already reverted')
    const shown = await admin.get(api.record('ChangeHistory', edit.id, 'show')).expect(200)
    assert.ok(!offersRevert(shown.body.record))

    const twice = await admin.post(api.record('ChangeHistory', edit.id, 'revert')).expect(200)
    assert.equal(twice.body.notice.type, 'error')
    assert.equal(twice.body.notice.message, 'Not reverted: This change was already reverted')
    const [{ credit }] = (await t.db.sequelize.query(`SELECT allow_credit::text AS credit FROM clients WHERE id = :id`, {
      replacements: { id },
      type: QueryTypes.SELECT,
    })) as { credit: string }[]
    assert.equal(credit, '100.00')
  })

  test('an entry whose field changed again since offers no revert, and a direct revert says it changed again since', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), company: 'First GmbH' }))
    const id = created.body.record.id
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Second GmbH', allowCredit: '10' })
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Third GmbH' })
    const list = await admin.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    const [latest, superseded] = list.body.records
    assert.ok(offersRevert(latest), 'the latest change still applies')
    assert.ok(!offersRevert(superseded), 'the earlier change of the same field does not')
    assert.match(superseded.params.revertBlocked, /changed again since/)
    const asManager = await manager1.get(api.list('ChangeHistory')).query(historyOf(id)).expect(200)
    const seen = asManager.body.records.find((record: { id: string }) => String(record.id) === String(superseded.id))
    assert.ok(seen && !offersRevert(seen), 'not offered to the manager either')

    const direct = await admin.post(api.record('ChangeHistory', superseded.id, 'revert')).expect(200)
    assert.equal(direct.body.notice.type, 'error')
    assert.match(direct.body.notice.message, /^Not reverted: Company was changed again since/)
    const [{ company }] = (await t.db.sequelize.query(`SELECT company FROM clients WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT })) as {
      company: string
    }[]
    assert.equal(company, 'Third GmbH')
  })
})

test("a client's creation lists its fields in the form's order, each under its section on the entry's page", async () => {
  const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), company: 'Order GmbH', allowCredit: '250.00' }))
  const id = created.body.record.id
  const list = await admin.get(api.list('ChangeHistory')).query({ 'filters.resource': 'Client', 'filters.recordId': id }).expect(200)
  const [entry] = list.body.records
  assert.equal(entry.params.action, 'create')
  const form = clientDefinition.sections.flatMap((section) => Object.values(section.fields).map((def) => ({ label: def.label, section: section.title })))
  const place = (label: string) => form.findIndex((field) => field.label === label)
  const labels = (entry.params.summary as string).split('\n').map((line) => line.replace(/( changed|: .*)$/, ''))
  assert.ok(labels.length > 5 && labels.every((label) => place(label) >= 0), JSON.stringify(labels))
  const places = labels.map(place)
  assert.deepEqual(places, [...places].sort((a, b) => a - b), `in form order: ${labels.join(', ')}`)
  assert.notDeepEqual(labels, [...labels].sort(), 'not alphabetical')

  const shown = await admin.get(api.record('ChangeHistory', entry.id, 'show')).expect(200)
  const lines = (shown.body.record.params.sectionSummary as string).split('\n')
  assert.equal(lines.length, labels.length)
  lines.forEach((line, i) => {
    const field = form[place(labels[i])]
    assert.ok(line.startsWith(`${field.section} › ${field.label}`), line)
  })
  assert.ok(lines.some((line) => line === 'Financial settings › Allow credit: (empty) → 250.00' || /^Financial settings › Allow credit: .* → 250\.00$/.test(line)), lines.join('\n'))
})
