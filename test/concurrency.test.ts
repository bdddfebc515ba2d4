import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { OptimisticLockError, QueryTypes } from 'sequelize'
import { api, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

let t: TestApp
type Agent = Awaited<ReturnType<TestApp['loginAs']>>
let admin: Agent
let manager1: Agent
let manager2: Agent

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
})
after(() => t.close())

const newClient = async (overrides: Record<string, string> = {}) => {
  const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), ...overrides }))
  assert.equal(created.body.notice.type, 'success', JSON.stringify(created.body.record?.errors))
  return Number(created.body.record.id)
}

const stored = async (id: number) =>
  ((await t.db.sequelize.query(`SELECT * FROM clients WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT })) as Record<string, any>[])[0]

const entries = async (id: number) =>
  (await t.db.sequelize.query(
    `SELECT id, action, actor_email, changes, operation, record_version FROM change_history WHERE resource = 'Client' AND record_id = :id ORDER BY id`,
    { replacements: { id }, type: QueryTypes.SELECT },
  )) as { id: string; action: string; actor_email: string; changes: any[]; operation: string | null; record_version: number | null }[]

const lastEntryId = async (id: number) => (await entries(id)).at(-1)!.id

/** What the edit form holds: the record's params as the edit page loads them. */
const openEditForm = async (agent: Agent, id: number) => {
  const response = await agent.get(api.record('Client', id, 'edit'))
  assert.equal(response.status, 200)
  return response.body.record.params as Record<string, unknown>
}

/** Posts the whole form back, as the browser does (every param, changed or not). */
const saveForm = (agent: Agent, id: number, form: Record<string, unknown>, changes: Record<string, string>) => {
  const body: Record<string, string> = {}
  for (const [key, value] of Object.entries({ ...form, ...changes })) body[key] = value === null || value === undefined ? '' : String(value)
  return agent.post(api.record('Client', id, 'edit')).type('form').send(body)
}

describe('no silent overwrite: every client carries a version', () => {
  test('two sessions edit one client: the second save is refused, names the field, the user and the time, and saves nothing', async () => {
    const id = await newClient({ company: 'Original GmbH', allowCredit: '100.00' })
    const mariaForm = await openEditForm(manager1, id)
    const adminForm = await openEditForm(admin, id)
    assert.equal(mariaForm.version, 1)
    assert.equal(adminForm.version, 1)

    const first = await saveForm(manager1, id, mariaForm, { company: 'Maria GmbH' })
    assert.equal(first.body.notice.type, 'success', JSON.stringify(first.body.record.errors))
    assert.equal(first.body.record.params.version, 2)

    const second = await saveForm(admin, id, adminForm, { company: 'Admin AG', allowCredit: '999.00', comments: 'typed by admin' })
    assert.equal(second.body.notice.type, 'error')
    const errors = second.body.record.errors
    assert.deepEqual(Object.keys(errors), ['company'], 'only the field changed since is marked')
    assert.match(errors.company.message, /^Changed by manager1@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC — reload to see the new value$/)
    assert.match(second.body.notice.message, /manager1@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC/)
    assert.match(second.body.notice.message, /Company/)
    // The form keeps what the admin typed (and the version it was based on, so saving again is refused again).
    assert.equal(second.body.record.params.company, 'Admin AG')
    assert.equal(second.body.record.params.comments, 'typed by admin')
    assert.equal(second.body.record.params.version, 1)

    const row = await stored(id)
    assert.equal(row.company, 'Maria GmbH')
    assert.equal(row.allow_credit, '100.00')
    assert.equal(row.comments, null)
    assert.equal(row.version, 2)
    assert.equal((await entries(id)).length, 2, 'no entry for the refused save')

    const again = await saveForm(admin, id, second.body.record.params, {})
    assert.equal(again.body.notice.type, 'error', 'saving the same stale form again is refused again')

    const reloaded = await openEditForm(admin, id)
    assert.equal(reloaded.version, 2)
    assert.equal(reloaded.company, 'Maria GmbH')
    const applied = await saveForm(admin, id, reloaded, { company: 'Admin AG', allowCredit: '999.00' })
    assert.equal(applied.body.notice.type, 'success', JSON.stringify(applied.body.record.errors))
    const now = await stored(id)
    assert.equal(now.company, 'Admin AG')
    assert.equal(now.allow_credit, '999.00')
    assert.equal(now.version, 3)
    assert.deepEqual((await entries(id)).map((entry) => entry.record_version), [1, 2, 3])
  })

  test('the refusal carries what a merge needs: per field who, when (ISO), the stored value and the version to save on top; saving the merge on top succeeds', async () => {
    const id = await newClient({ company: 'Merge Original', allowCredit: '100.00', skype: 'orig.skype' })
    const mariaForm = await openEditForm(manager1, id)
    const adminForm = await openEditForm(admin, id)
    const first = await saveForm(manager1, id, mariaForm, { company: 'Maria Merge', allowCredit: '700.00', password: 'new-password-99', passwordConfirmation: 'new-password-99' })
    assert.equal(first.body.notice.type, 'success', JSON.stringify(first.body.record.errors))

    const refused = await saveForm(admin, id, adminForm, { company: 'Admin Merge', skype: 'admin.skype' })
    assert.equal(refused.body.notice.type, 'error')
    const { errors } = refused.body.record
    assert.deepEqual(Object.keys(errors).sort(), ['allowCredit', 'company', 'password'])
    assert.equal(errors.company.theirs, 'Maria Merge')
    assert.equal(errors.allowCredit.theirs, '700.00')
    assert.equal(errors.company.changedBy, 'manager1@example.com')
    assert.ok(!Number.isNaN(Date.parse(errors.company.changedAt)))
    assert.equal(errors.company.currentVersion, 2)
    assert.equal(errors.company.type, 'stale', 'the existing names stay')
    assert.match(errors.company.message, /^Changed by manager1@example\.com at /)
    assert.equal('theirs' in errors.password, false, 'a secret is never sent back')
    assert.equal(refused.body.record.baseError.currentVersion, 2)

    // The merge: their credit, my company and my Skype, saved on top of the version named.
    const merged = await saveForm(admin, id, refused.body.record.params, { allowCredit: errors.allowCredit.theirs, version: String(errors.company.currentVersion) })
    assert.equal(merged.body.notice.type, 'success', JSON.stringify(merged.body.record.errors))
    const row = await stored(id)
    assert.equal(row.company, 'Admin Merge')
    assert.equal(row.allow_credit, '700.00')
    assert.equal(row.skype, 'admin.skype')
    assert.equal(row.version, 3)
  })

  test('a stale save is refused for changes made around the panel too (script, raw SQL)', async () => {
    const id = await newClient()
    const form = await openEditForm(admin, id)
    await t.db.sequelize.query(`UPDATE clients SET dlr_wait_days = 9 WHERE id = :id`, { replacements: { id } })
    const refused = await saveForm(admin, id, form, { company: 'Too late' })
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.record.errors.dlrWaitDays.message, /^Changed by system at /)
    assert.equal((await stored(id)).company, null)
  })

  test('an edit without a version (a script sending only its fields) is applied as before', async () => {
    const id = await newClient()
    await t.db.sequelize.query(`UPDATE clients SET skype = 'someone' WHERE id = :id`, { replacements: { id } })
    const response = await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Scripted Ltd' })
    assert.equal(response.body.notice.type, 'success', JSON.stringify(response.body.record.errors))
    const row = await stored(id)
    assert.equal(row.company, 'Scripted Ltd')
    assert.equal(row.skype, 'someone')
    assert.equal(row.version, 3)
  })

  test('an unreadable version is refused, not guessed', async () => {
    const id = await newClient()
    const response = await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'X', version: 'abc' })
    assert.equal(response.body.notice.type, 'error')
    assert.ok(response.body.record.errors.version)
    assert.equal((await stored(id)).company, null)
  })

  test('saving an unchanged form changes nothing and does not count', async () => {
    const id = await newClient()
    const form = await openEditForm(admin, id)
    const response = await saveForm(admin, id, form, {})
    assert.equal(response.body.notice.type, 'success', JSON.stringify(response.body.record.errors))
    assert.equal((await stored(id)).version, 1)
    assert.equal((await entries(id)).length, 1)
  })

  test('the database counts every change, raw SQL included, and refuses a write naming an older version', async () => {
    const id = await newClient()
    const query = (sql: string) => t.db.sequelize.query(sql, { replacements: { id } })
    await query(`UPDATE clients SET company = 'Raw 1' WHERE id = :id`)
    assert.equal((await stored(id)).version, 2)
    await query(`UPDATE clients SET company = 'Raw 1', updated_at = now() WHERE id = :id`)
    assert.equal((await stored(id)).version, 2, 'a write that changes nothing does not count')
    await query(`UPDATE clients SET company = 'Raw 2', version = 2 WHERE id = :id`)
    assert.equal((await stored(id)).version, 3, 'naming the current version: applied and counted')
    await assert.rejects(query(`UPDATE clients SET company = 'Raw stale', version = 2 WHERE id = :id`), /changed by someone else/)
    await assert.rejects(query(`UPDATE clients SET company = 'Raw forged', version = 10 WHERE id = :id`), /changed by someone else/)
    const row = await stored(id)
    assert.equal(row.company, 'Raw 2')
    assert.equal(row.version, 3)
  })

  test('the version counts exactly the writes the history records, for every kind of column', async () => {
    const id = await newClient()
    // [write, changes something]: equal values in another spelling (numbers, times, arrays) change nothing.
    const writes: [string, boolean][] = [
      [`allow_credit = 100`, true],
      [`allow_credit = 100.000`, false],
      [`invoice_dates = '{1,15}'`, true],
      [`invoice_dates = ARRAY[1, 15]`, false],
      [`invoice_dates = '{1,16}'`, true],
      [`dispatch_from = '09:00', dispatch_to = '18:00'`, true],
      [`dispatch_from = '09:00:00', dispatch_to = '18:00:00.000'`, false],
      [`disable_blacklist = NOT disable_blacklist`, true],
      [`company = NULL`, false],
      [`company = 'Spaced'`, true],
      [`company = 'Spaced '`, true],
      [`updated_at = now() - interval '1 day'`, false],
    ]
    let expected = 1
    for (const [set, changes] of writes) {
      await t.db.sequelize.query(`UPDATE clients SET ${set} WHERE id = :id`, { replacements: { id } })
      if (changes) expected += 1
      const { version } = await stored(id)
      const updates = (await entries(id)).filter((entry) => entry.action === 'update')
      assert.equal(version, expected, `version after SET ${set}`)
      assert.equal(updates.length, version - 1, `history entries after SET ${set}`)
    }
  })

  test("scripts using the model: instance.save() of an outdated instance fails (Sequelize's optimistic lock)", async () => {
    const id = await newClient()
    const instance = (await t.models.Client.findByPk(id))!
    await t.models.Client.update({ company: 'Changed meanwhile' }, { where: { id } })
    instance.set('company', 'Outdated write')
    await assert.rejects(instance.save(), OptimisticLockError)
    assert.equal((await stored(id)).company, 'Changed meanwhile')
    const fresh = (await t.models.Client.findByPk(id))!
    fresh.set('company', 'Fresh write')
    await fresh.save()
    const row = await stored(id)
    assert.equal(row.company, 'Fresh write')
    assert.equal(row.version, 3)
  })

  test('concurrent saves of one version through one process: exactly one wins', async () => {
    const id = await newClient()
    for (let round = 0; round < 10; round += 1) {
      const { version } = await stored(id)
      const attempts = await Promise.all(
        [admin, manager1].map((agent, i) =>
          agent.post(api.record('Client', id, 'edit')).type('form').send({ company: `round ${round} by ${i}`, version: String(version) }),
        ),
      )
      const winners = attempts.filter((response) => response.body.notice.type === 'success')
      assert.equal(winners.length, 1, `round ${round}: ${attempts.map((response) => response.body.notice.message).join(' | ')}`)
      const row = await stored(id)
      assert.equal(row.version, version + 1)
      assert.equal(row.company, winners[0].body.record.params.company)
    }
  })
})

describe('revert from the change history', () => {
  const revert = (agent: Agent, entryId: string, whole = false) =>
    agent.post(`${api.record('ChangeHistory', entryId, 'revert')}${whole ? '?whole=1' : ''}`).type('form').send({})

  test('puts the fields back, as a new change of the reverting user marked as a revert of the entry', async () => {
    const id = await newClient({ company: 'Before GmbH', allowCredit: '100.00', invoiceDates: '1, 15', dispatchFrom: '09:00', dispatchTo: '18:00' })
    const edited = await admin
      .post(api.record('Client', id, 'edit'))
      .type('form')
      .send({ company: 'After GmbH', allowCredit: '5000', invoiceDates: '5', dispatchFrom: '08:30', dispatchTo: '20:00' })
    assert.equal(edited.body.notice.type, 'success')
    const entryId = await lastEntryId(id)

    const looked = await manager1.get(api.record('ChangeHistory', entryId, 'revert'))
    assert.equal(looked.status, 200)
    assert.equal((await stored(id)).company, 'After GmbH', 'a GET only shows the entry')

    const response = await revert(manager1, entryId)
    assert.equal(response.body.notice.type, 'success', response.body.notice.message)
    assert.match(response.body.notice.message, /Company/)
    assert.equal(response.body.redirectUrl, `/admin/resources/Client/records/${id}/show`)
    const row = await stored(id)
    assert.equal(row.company, 'Before GmbH')
    assert.equal(row.allow_credit, '100.00')
    assert.deepEqual(row.invoice_dates, [1, 15])
    assert.equal(row.dispatch_from, '09:00:00')
    assert.equal(row.dispatch_to, '18:00:00')
    assert.equal(row.version, 3)

    const last = (await entries(id)).at(-1)!
    assert.equal(last.actor_email, 'manager1@example.com')
    assert.equal(last.operation, `revert:${entryId}`)
    assert.equal(last.record_version, 3)
    assert.deepEqual(
      Object.fromEntries(last.changes.map((change) => [change.field, change.new])),
      { company: 'Before GmbH', allow_credit: 100, invoice_dates: [1, 15], dispatch_from: '09:00:00', dispatch_to: '18:00:00' },
    )
    const list = await manager1.get(api.list('ChangeHistory')).query({ 'filters.resource': 'Client', 'filters.recordId': id })
    // Lines in the form's order: the dispatch window comes before the credit limit.
    assert.match(list.body.records[0].params.summary, new RegExp(`^Revert of entry #${entryId}\\n(.*\\n)*Allow credit: 5000\\.00 → 100\\.00(\\n|$)`))
  })

  test("an entry's confirm page reads what the revert will do, in its direction (new → old)", async () => {
    const id = await newClient({ allowCredit: '5000.00' })
    const form = await openEditForm(admin, id)
    const saved = await saveForm(admin, id, form, { allowCredit: '7000.00' })
    assert.equal(saved.body.notice.type, 'success')
    const entry = await lastEntryId(id)
    const shown = await admin.get(api.record('ChangeHistory', entry, 'show')).expect(200)
    assert.match(shown.body.record.params.summary, /Allow credit: 5000\.00 → 7000\.00/)
    assert.match(shown.body.record.params.revertSummary, /Allow credit: 7000\.00 → 5000\.00/)
  })

  test('is refused when a field of the change was changed again since; a later change of another field does not matter', async () => {
    const id = await newClient({ company: 'One' })
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Two' })
    const entryId = await lastEntryId(id)
    await manager1.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Three' })
    const before = (await entries(id)).length

    const refused = await revert(admin, entryId)
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.notice.message, /Company was changed again since \(by manager1@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/)
    assert.equal((await stored(id)).company, 'Three')
    assert.equal((await entries(id)).length, before, 'nothing saved')

    await manager1.post(api.record('Client', id, 'edit')).type('form').send({ skype: 'other-field' })
    const lastCompanyChange = (await entries(id)).at(-2)!.id
    const ok = await revert(admin, lastCompanyChange)
    assert.equal(ok.body.notice.type, 'success', ok.body.notice.message)
    const row = await stored(id)
    assert.equal(row.company, 'Two')
    assert.equal(row.skype, 'other-field')
  })

  test('a currency setting cannot be reverted (currency is read-only once set)', async () => {
    const id = await newClient()
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ currency: 'EUR' })
    const refused = await revert(admin, await lastEntryId(id))
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.notice.message, /Currency cannot be changed once set/)
    assert.equal((await stored(id)).currency, 'EUR')
  })

  test("a manager cannot revert a change of another manager's client, nor a hand-over; an admin can", async () => {
    const id = await newClient({ managerId: String(t.ids.manager2), company: 'Mark’s' })
    await manager2.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Mark’s changed' })
    const entryId = await lastEntryId(id)
    const foreign = await revert(manager1, entryId)
    assert.notEqual(foreign.body?.notice?.type, 'success')
    assert.equal((await stored(id)).company, 'Mark’s changed')

    await admin.post(api.record('Client', id, 'edit')).type('form').send({ managerId: String(t.ids.manager1) })
    const handOver = await lastEntryId(id)
    const refused = await revert(manager1, handOver)
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.notice.message, /Only an administrator can hand a client to another manager/)
    assert.equal((await stored(id)).manager_id, t.ids.manager1)

    const byAdmin = await revert(admin, handOver)
    assert.equal(byAdmin.body.notice.type, 'success', byAdmin.body.notice.message)
    assert.equal((await stored(id)).manager_id, t.ids.manager2)
  })

  test('password changes, creations and changes of a deleted client cannot be reverted', async () => {
    const id = await newClient({ company: 'Doomed' })
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ password: 'another-password-1', passwordConfirmation: 'another-password-1' })
    const passwordEntry = await lastEntryId(id)
    const password = await revert(admin, passwordEntry)
    assert.equal(password.body.notice.type, 'error')
    assert.match(password.body.notice.message, /Password changes cannot be reverted/)
    const list = await admin.get(api.list('ChangeHistory')).query({ 'filters.resource': 'Client', 'filters.recordId': id })
    const offered = (entry: { id: string }) =>
      list.body.records.find((record: { id: string }) => String(record.id) === String(entry.id)).recordActions.some((action: { name: string }) => action.name === 'revert')
    assert.equal(offered({ id: passwordEntry }), false, 'no revert button on a password change')

    const [creation] = await entries(id)
    assert.match((await revert(admin, creation.id)).body.notice.message, /creation of a client cannot be reverted/)

    await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Doomed twice' })
    const update = await lastEntryId(id)
    assert.equal((await admin.post(api.record('Client', id, 'delete'))).body.notice.type, 'success')
    const gone = await revert(admin, update)
    assert.equal(gone.body.notice.type, 'error')
    assert.match(gone.body.notice.message, /deleted/)
  })

  test('a rule of the model refuses an old value that is not allowed any more (an inactive product)', async () => {
    const plan = await t.models.Product.create({ code: `P${Date.now()}`, name: 'Soon retired', active: true })
    const id = await newClient({ productId: String(plan.get('id')) })
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ productId: String(t.ids.productActive) })
    const entryId = await lastEntryId(id)
    await plan.update({ active: false })
    const refused = await revert(admin, entryId)
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.notice.message, /Product: The chosen Product is inactive/)
    assert.equal((await stored(id)).product_id, t.ids.productActive)
  })

  test('a whole operation (a bulk change) is reverted as a whole, all or nothing', async () => {
    const ids = [await newClient(), await newClient(), await newClient({ managerId: String(t.ids.manager2) })]
    const operation = `bulk:${randomUUID()}`
    await t.db.sequelize.transaction(async (transaction) => {
      await t.db.sequelize.query(
        `SELECT set_config('app.actor_id', :actor, true), set_config('app.actor_email', 'admin@example.com', true), set_config('app.operation', :operation, true)`,
        { replacements: { actor: String(t.ids.admin), operation }, transaction },
      )
      await t.models.Client.update({ smsPriority: 3, company: 'Bulk Co' }, { where: { id: ids }, transaction })
    })
    const opEntries = (await t.db.sequelize.query(`SELECT id FROM change_history WHERE operation = :operation ORDER BY id`, {
      replacements: { operation },
      type: QueryTypes.SELECT,
    })) as { id: string }[]
    assert.equal(opEntries.length, 3)

    // A manager cannot revert an operation that touched another manager's client.
    const byManager = await revert(manager1, opEntries[0].id, true)
    assert.equal(byManager.body.notice.type, 'error')
    // In words that name none of it (issue #25).
    assert.match(byManager.body.notice.message, /Not found or not yours/)
    assert.doesNotMatch(byManager.body.notice.message, /client-[0-9a-f]+|manager2/)

    // One client changed again since: nothing of the operation is reverted.
    await admin.post(api.record('Client', ids[1], 'edit')).type('form').send({ smsPriority: '1' })
    const refused = await revert(admin, opEntries[0].id, true)
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.notice.message, /^Not reverted: Client client-[0-9a-f]+: SMS priority was changed again since \(by admin@example\.com/)
    for (const id of ids) assert.equal((await stored(id)).company, 'Bulk Co')

    await admin.post(api.record('Client', ids[1], 'edit')).type('form').send({ smsPriority: '3' })
    const reverted = await revert(admin, opEntries[0].id, true)
    assert.equal(reverted.body.notice.type, 'success', reverted.body.notice.message)
    assert.match(reverted.body.notice.message, /3 change\(s\) of 3 client\(s\)/)
    for (const id of ids) {
      const row = await stored(id)
      assert.equal(row.company, null)
      assert.equal(row.sms_priority, 0)
      assert.equal((await entries(id)).at(-1)!.operation, `revert:${operation}`)
    }
  })
})

// The same race between two server processes (a save on each, one version): production.test.ts's
// "two instances on one database", on the instances it starts anyway.
