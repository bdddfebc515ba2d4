import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { api, createClient, PASSWORD, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>
let manager1: Awaited<ReturnType<TestApp['loginAs']>>

type Row = Record<string, unknown>
type Report = {
  dryRun: boolean
  total: number
  created: number
  updated: number
  unchanged: number
  failed: number
  rows: { row: number; id: number | null; login: string | null; action: string; errors: Record<string, string> }[]
}

const bulkEdit = (ids: Array<number | string>) => api.bulk('Client', 'bulkEdit', ids)
const bulkEditMatching = (filters: Record<string, string>) =>
  `/admin/api/resources/Client/bulk/bulkEdit?${new URLSearchParams({ ...prefixed(filters), allMatching: '1' })}`
const prefixed = (filters: Record<string, string>) => Object.fromEntries(Object.entries(filters).map(([k, v]) => [`filters.${k}`, v]))

/** A client made through the model, with the given stored values; returns its id. */
const makeClient = (values: Row = {}): Promise<number> => createClient(t, `bulk-${randomBytes(4).toString('hex')}`, values)

/** Every stored column of the given clients, by id. */
async function snapshot(ids: number[]): Promise<Map<number, Row>> {
  const rows = (await t.db.sequelize.query(`SELECT * FROM clients WHERE id IN (:ids)`, { replacements: { ids }, type: QueryTypes.SELECT })) as Row[]
  return new Map(rows.map((row) => [Number(row.id), row]))
}

/**
 * Asserts that every column but `changed` is as in `before` (updated_at aside, and the version,
 * which the database raises by one with any change: checked to have grown when anything changed).
 */
function assertOnlyChanged(beforeRow: Row, afterRow: Row, changed: Record<string, unknown>) {
  for (const [column, value] of Object.entries(afterRow)) {
    if (column === 'updated_at') continue
    if (column === 'version') {
      assert.equal(Number(value), Number(beforeRow.version) + (Object.keys(changed).length ? 1 : 0), `version of client ${afterRow.id}`)
      continue
    }
    if (column in changed) assert.deepEqual(value, changed[column], `${column} set`)
    else assert.deepEqual(value, beforeRow[column], `${column} left alone on client ${afterRow.id}`)
  }
}

const historyOf = async (ids: number[]) =>
  (await t.db.sequelize.query(
    `SELECT record_id, action, actor_id, actor_email, operation, changes FROM change_history WHERE resource = 'Client' AND record_id IN (:ids) AND action = 'update' ORDER BY id`,
    { replacements: { ids }, type: QueryTypes.SELECT },
  )) as { record_id: number; action: string; actor_id: number; actor_email: string; operation: string | null; changes: { field: string; old: unknown; new: unknown }[] }[]

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
})
after(() => t.close())

describe('bulk edit of selected clients', () => {
  test('changes exactly the touched fields of exactly the selected rows', async () => {
    const selected = [
      await makeClient({ deliveryStatus: 'active', canSendSmpp: true, smsPriority: 1, currency: 'EUR', comments: 'keep me' }),
      await makeClient({ deliveryStatus: 'active', canSendSmpp: false, smsPriority: 3, dispatchFrom: '08:00', dispatchTo: '20:00' }),
    ]
    const bystanders = [await makeClient({ deliveryStatus: 'active', canSendSmpp: true }), await makeClient({ deliveryStatus: 'active' })]
    const all = [...selected, ...bystanders]
    const beforeRows = await snapshot(all)

    const response = await admin.post(bulkEdit(selected)).type('form').send({ deliveryStatus: 'expired', canSendSmpp: 'false', dryRun: '0' })
    assert.equal(response.status, 200)
    assert.equal(response.body.notice.type, 'success', JSON.stringify(response.body))
    assert.ok(Array.isArray(response.body.records), "AdminJS's bulk answer carries records")
    const report: Report = response.body.report
    assert.deepEqual(
      { dryRun: report.dryRun, total: report.total, created: report.created, updated: report.updated, unchanged: report.unchanged, failed: report.failed },
      { dryRun: false, total: 2, created: 0, updated: 2, unchanged: 0, failed: 0 },
    )
    assert.deepEqual(
      report.rows.map(({ row, id, action, errors }) => ({ row, id, action, errors })),
      selected.map((id, i) => ({ row: i + 1, id, action: 'update', errors: {} })),
    )
    assert.equal(report.rows[0].login, beforeRows.get(selected[0])!.login)

    const afterRows = await snapshot(all)
    for (const id of selected) assertOnlyChanged(beforeRows.get(id)!, afterRows.get(id)!, { delivery_status: 'expired', can_send_smpp: false })
    for (const id of bystanders) assert.deepEqual(afterRows.get(id), beforeRows.get(id), 'a row that was not selected is untouched')
  })

  test('a row that already has the value is reported unchanged and gets no history entry', async () => {
    const [already, other] = [await makeClient({ moderation: 'automatic' }), await makeClient({ moderation: 'manual' })]
    const response = await admin.post(bulkEdit([already, other])).type('form').send({ moderation: 'automatic', dryRun: '0' })
    const report: Report = response.body.report
    assert.deepEqual(report.rows.map((row) => row.action), ['unchanged', 'update'])
    assert.equal(report.unchanged, 1)
    assert.deepEqual((await historyOf([already, other])).map((entry) => entry.record_id), [other])
  })

  test('dryRun=1 previews with the same report and writes nothing', async () => {
    const ids = [await makeClient({ smsPriority: 0 }), await makeClient({ smsPriority: 0 })]
    const beforeRows = await snapshot(ids)
    const historyBefore = await historyOf(ids)
    const response = await admin.post(bulkEdit(ids)).type('form').send({ smsPriority: '2', dryRun: '1' })
    const report: Report = response.body.report
    assert.equal(report.dryRun, true)
    assert.equal(report.updated, 2)
    assert.notEqual(response.body.notice.type, 'success')
    assert.deepEqual(await snapshot(ids), beforeRows)
    assert.deepEqual(await historyOf(ids), historyBefore)
  })

  test('the preview counts the rows and repeats the selection order in `row`', async () => {
    const ids = [await makeClient(), await makeClient(), await makeClient()]
    const order = [ids[2], ids[0], ids[1]]
    const response = await admin.post(bulkEdit(order)).type('form').send({ dlrWaitDays: '7', dryRun: '1' })
    const report: Report = response.body.report
    assert.equal(report.total, 3)
    assert.deepEqual(report.rows.map((row) => [row.row, row.id]), order.map((id, i) => [i + 1, id]))
  })

  test('login, e-mail, password and other identity fields cannot be set in bulk', async () => {
    const ids = [await makeClient(), await makeClient()]
    const beforeRows = await snapshot(ids)
    for (const payload of [
      { login: 'same-for-all' },
      { email: 'same@example.com' },
      { password: 'new-password-123', passwordConfirmation: 'new-password-123' },
      { company: 'Same GmbH', deliveryStatus: 'expired' },
    ]) {
      const response = await admin.post(bulkEdit(ids)).type('form').send({ ...payload, dryRun: '0' })
      assert.equal(response.status, 200)
      assert.equal(response.body.notice.type, 'error')
      const refused = Object.keys(payload).filter((key) => key !== 'deliveryStatus')
      for (const key of refused) assert.match(response.body.record.errors[key].message, /bulk/, key)
    }
    assert.deepEqual(await snapshot(ids), beforeRows)
  })

  test('nothing to change is an error, not an empty success', async () => {
    const ids = [await makeClient()]
    const response = await admin.post(bulkEdit(ids)).type('form').send({ dryRun: '0' })
    assert.equal(response.body.notice.type, 'error')
  })
})

describe('bulk edit of every client a filter matches', () => {
  test('changes exactly the matching rows, with the list filter and row scope', async () => {
    const marker = `Filterco ${randomBytes(3).toString('hex')}`
    const matching = [await makeClient({ company: `${marker} GmbH`, canSendApi: false }), await makeClient({ company: `${marker} Ltd`, canSendApi: false })]
    const others = [await makeClient({ company: 'Other GmbH', canSendApi: false }), await makeClient({ canSendApi: false })]
    const beforeRows = await snapshot([...matching, ...others])

    const count = await admin.get(`/admin/api/resources/Client/actions/bulkEditMatching?${new URLSearchParams(prefixed({ company: marker.toLowerCase() }))}`)
    assert.equal(count.body.total, 2, 'the preview page knows how many match')

    const preview = await admin.post(bulkEditMatching({ company: marker.toLowerCase() })).type('form').send({ canSendApi: 'true', dryRun: '1' })
    assert.equal(preview.body.report.total, 2)
    assert.deepEqual(await snapshot([...matching, ...others]), beforeRows)

    const response = await admin.post(bulkEditMatching({ company: marker.toLowerCase() })).type('form').send({ canSendApi: 'true', dryRun: '0' })
    assert.equal(response.body.notice.type, 'success', JSON.stringify(response.body))
    const report: Report = response.body.report
    assert.deepEqual(report.rows.map((row) => row.id).sort(), [...matching].sort())
    const afterRows = await snapshot([...matching, ...others])
    for (const id of matching) assertOnlyChanged(beforeRows.get(id)!, afterRows.get(id)!, { can_send_api: true })
    for (const id of others) assert.deepEqual(afterRows.get(id), beforeRows.get(id))
  })

  test('the resource action answers the same way as the bulk route with allMatching=1', async () => {
    const marker = `Direct ${randomBytes(3).toString('hex')}`
    const id = await makeClient({ company: marker, smsPriority: 0 })
    const response = await admin
      .post(`/admin/api/resources/Client/actions/bulkEditMatching?${new URLSearchParams({ ...prefixed({ company: marker }), allMatching: '1' })}`)
      .type('form')
      .send({ smsPriority: '3', dryRun: '0' })
    assert.equal(response.body.report.updated, 1)
    assert.equal((await snapshot([id])).get(id)!.sms_priority, 3)
  })

  test('without allMatching=1 nothing is changed', async () => {
    const marker = `Guard ${randomBytes(3).toString('hex')}`
    const id = await makeClient({ company: marker, smsPriority: 0 })
    const response = await admin
      .post(`/admin/api/resources/Client/actions/bulkEditMatching?${new URLSearchParams(prefixed({ company: marker }))}`)
      .type('form')
      .send({ smsPriority: '3', dryRun: '0' })
    assert.equal(response.body.notice.type, 'error')
    assert.equal((await snapshot([id])).get(id)!.sms_priority, 0)
  })
})

describe('the rules of the form, per row', () => {
  test('a rule broken on one row saves nothing and names that row and field', async () => {
    const withWindow = await makeClient({ dispatchFrom: '08:00', dispatchTo: '20:00' })
    const withoutWindow = await makeClient()
    const beforeRows = await snapshot([withWindow, withoutWindow])
    const response = await admin.post(bulkEdit([withWindow, withoutWindow])).type('form').send({ dispatchFrom: '09:00', dryRun: '0' })
    assert.equal(response.status, 200)
    assert.equal(response.body.notice.type, 'error')
    const report: Report = response.body.report
    assert.equal(report.failed, 1)
    assert.deepEqual(report.rows.map((row) => row.action), ['update', 'error'])
    assert.equal(report.rows[1].id, withoutWindow)
    assert.equal(report.rows[1].errors.dispatchTo, 'Fill in both Time of dispatch (from) and Time of dispatch (to), or neither')
    assert.deepEqual(await snapshot([withWindow, withoutWindow]), beforeRows, 'all or nothing')
  })

  test('the same messages as the edit form', async () => {
    const ids = [await makeClient(), await makeClient()]
    const form = await admin.post(api.record('Client', ids[0], 'edit')).type('form').send({ smsPriority: '9' })
    const bulk = await admin.post(bulkEdit(ids)).type('form').send({ smsPriority: '9', dryRun: '1' })
    assert.equal(bulk.body.report.failed, 2)
    assert.equal(bulk.body.report.rows[0].errors.smsPriority, form.body.record.errors.smsPriority.message)
    const start = await admin.post(bulkEdit(ids)).type('form').send({ dispatchFrom: '10:00', dispatchTo: '10:00', dryRun: '1' })
    assert.equal(start.body.report.rows[0].errors.dispatchTo, 'The end must differ from the start')
  })

  test('currency is set only on clients that have none; a client that has one is skipped ("already set") and left alone', async () => {
    const without = await makeClient({ currency: null })
    const withOne = await makeClient({ currency: 'EUR' })
    const preview = await admin.post(bulkEdit([without, withOne])).type('form').send({ currency: 'USD', dryRun: '1' })
    const previewed: Report & { skipped: number } = preview.body.report
    assert.deepEqual(previewed.rows.map((row) => row.action), ['update', 'skipped'])
    assert.deepEqual((previewed.rows[1] as { skipped?: Record<string, string> }).skipped, { currency: 'skipped: already set' })
    assert.deepEqual([previewed.updated, previewed.skipped, previewed.failed], [1, 1, 0])
    assert.equal(preview.body.notice.type, 'info')

    const applied = await admin.post(bulkEdit([without, withOne])).type('form').send({ currency: 'USD', dryRun: '0' })
    assert.equal(applied.body.notice.type, 'success', JSON.stringify(applied.body))
    assert.match(applied.body.notice.message, /1 skipped \(already set\)/)
    const rows = await snapshot([without, withOne])
    assert.equal(rows.get(without)!.currency, 'USD')
    assert.equal(rows.get(withOne)!.currency, 'EUR', 'the one already set is left alone')
    assert.deepEqual((await historyOf([withOne])).length, 0, 'no history entry for the skipped client')
  })

  test('rows alike get the same verdict, each row its own: interleaved kinds of row keep their own actions, ids and messages', async () => {
    // Dispatch times are paired: a row with a start and no end is refused, one with both is not.
    const kinds = [
      { currency: null, dispatchFrom: '08:00', dispatchTo: '20:00' },
      { currency: 'EUR', dispatchFrom: null, dispatchTo: null },
      { currency: null, dispatchFrom: '08:00', dispatchTo: '20:00' },
      { currency: 'EUR', dispatchFrom: null, dispatchTo: null },
    ]
    const ids: number[] = []
    for (const values of kinds) ids.push(await makeClient(values))
    const preview = await admin.post(bulkEdit(ids)).type('form').send({ currency: 'USD', dryRun: '1' })
    const rows = (preview.body.report as Report).rows
    assert.deepEqual(rows.map((row) => [row.id, row.action]), [[ids[0], 'update'], [ids[1], 'skipped'], [ids[2], 'update'], [ids[3], 'skipped']])
    assert.deepEqual(new Set(rows.map((row) => row.login)).size, 4, 'each row its own login')
    const paired = await admin.post(bulkEdit(ids)).type('form').send({ dispatchFrom: '09:00', dryRun: '1' })
    assert.deepEqual(
      (paired.body.report as Report).rows.map((row) => [row.id, row.action, row.errors.dispatchTo]),
      ids.map((id, i) => (i % 2 ? [id, 'error', 'Fill in both Time of dispatch (from) and Time of dispatch (to), or neither'] : [id, 'update', undefined])),
    )
    const applied = await admin.post(bulkEdit(ids)).type('form').send({ currency: 'USD', dryRun: '0' })
    assert.equal(applied.body.notice.type, 'success', JSON.stringify(applied.body))
    const stored = await snapshot(ids)
    assert.deepEqual(ids.map((id) => stored.get(id)!.currency), ['USD', 'EUR', 'USD', 'EUR'])
    assert.deepEqual((await historyOf(ids)).map((entry) => entry.record_id), [ids[0], ids[2]])
  })

  test('a skipped set-once row does not hide a real error: the batch is still all or nothing', async () => {
    const without = await makeClient({ currency: null })
    const withOne = await makeClient({ currency: 'EUR' })
    const response = await admin.post(bulkEdit([without, withOne])).type('form').send({ currency: 'USD', smsPriority: '9', dryRun: '0' })
    const report: Report = response.body.report
    assert.deepEqual(report.rows.map((row) => row.action), ['error', 'skipped'])
    assert.equal(response.body.notice.type, 'error')
    const rows = await snapshot([without, withOne])
    assert.equal(rows.get(without)!.currency, null, 'nothing saved')
  })

  test('an all-matching currency change narrowed by the "not set" filter and a search reaches only those clients', async () => {
    const tag = randomBytes(3).toString('hex')
    const a = await createClient(t, `notset-${tag}-a`, { currency: null })
    const b = await createClient(t, `notset-${tag}-b`, { currency: 'EUR' })
    await createClient(t, `other-${tag}`, { currency: null })
    const query = new URLSearchParams({ 'filters.currency': '__FORM_VALUE_NULL__', q: `NOTSET-${tag}` })
    const count = await admin.get(`/admin/api/resources/Client/actions/bulkEditMatching?${query}`)
    assert.equal(count.body.total, 1)
    const applied = await admin.post(`/admin/api/resources/Client/bulk/bulkEdit?${query}&allMatching=1`).type('form').send({ currency: 'GBP', dryRun: '0' })
    assert.equal(applied.body.report.updated, 1, JSON.stringify(applied.body))
    const rows = await snapshot([a, b])
    assert.equal(rows.get(a)!.currency, 'GBP')
    assert.equal(rows.get(b)!.currency, 'EUR')
  })

  test('a dispatch window can be set on a window that has none when both ends are sent', async () => {
    const id = await makeClient()
    const response = await admin.post(bulkEdit([id])).type('form').send({ dispatchFrom: '22:00', dispatchTo: '06:00', dryRun: '0' })
    assert.equal(response.body.notice.type, 'success', JSON.stringify(response.body.report))
    const row = (await snapshot([id])).get(id)!
    assert.deepEqual([row.dispatch_from, row.dispatch_to], ['22:00:00', '06:00:00'])
  })

  test('an inactive product is refused like in the form', async () => {
    const ids = [await makeClient(), await makeClient()]
    const response = await admin.post(bulkEdit(ids)).type('form').send({ productId: String(t.ids.productInactive), dryRun: '0' })
    assert.equal(response.body.report.failed, 2)
    assert.equal(response.body.report.rows[0].errors.productId, 'The chosen Product is inactive')
    const ok = await admin.post(bulkEdit(ids)).type('form').send({ productId: String(t.ids.productActive), dryRun: '0' })
    assert.equal(ok.body.report.updated, 2)
  })
})

describe('roles', () => {
  test("a manager's bulk edit changes only their own clients; the others' ids are reported and left alone", async () => {
    const own = await makeClient({ managerId: t.ids.manager1, smsPriority: 0 })
    const others = await makeClient({ managerId: t.ids.manager2, smsPriority: 0 })
    const beforeOthers = (await snapshot([others])).get(others)
    const response = await manager1.post(bulkEdit([own, others])).type('form').send({ smsPriority: '2', dryRun: '0' })
    assert.equal(response.status, 200)
    const report: Report = response.body.report
    assert.deepEqual(report.rows.map(({ row, id, action }) => ({ row, id, action })), [
      { row: 1, id: own, action: 'update' },
      { row: 2, id: others, action: 'error' },
    ])
    assert.equal(report.rows[1].errors.id, 'Not found or not yours')
    assert.equal(report.rows[1].login, null, "no data of another manager's client")
    assert.doesNotMatch(JSON.stringify(response.body), new RegExp(String(beforeOthers!.login)))
    assert.equal((await snapshot([own])).get(own)!.sms_priority, 2)
    assert.deepEqual((await snapshot([others])).get(others), beforeOthers)
  })

  test("a manager's bulk edit of only others' clients changes nothing and answers a notice, not a 500", async () => {
    const others = await makeClient({ managerId: t.ids.manager2, smsPriority: 0 })
    const beforeOthers = (await snapshot([others])).get(others)
    const response = await manager1.post(bulkEdit([others])).type('form').send({ smsPriority: '2', dryRun: '0' })
    assert.equal(response.status, 200)
    assert.equal(response.body.notice.type, 'error')
    assert.doesNotMatch(response.text, new RegExp(String(beforeOthers!.login)))
    assert.deepEqual((await snapshot([others])).get(others), beforeOthers)
  })

  test("a manager's all-matching edit reaches only their own clients", async () => {
    const marker = `Scope ${randomBytes(3).toString('hex')}`
    const own = await makeClient({ managerId: t.ids.manager1, company: marker, dlrWaitDays: 3 })
    const others = await makeClient({ managerId: t.ids.manager2, company: marker, dlrWaitDays: 3 })
    const count = await manager1.get(`/admin/api/resources/Client/actions/bulkEditMatching?${new URLSearchParams(prefixed({ company: marker }))}`)
    assert.equal(count.body.total, 1)
    const response = await manager1.post(bulkEditMatching({ company: marker })).type('form').send({ dlrWaitDays: '9', dryRun: '0' })
    assert.deepEqual(response.body.report.rows.map((row: { id: number }) => row.id), [own])
    const rows = await snapshot([own, others])
    assert.equal(rows.get(own)!.dlr_wait_days, 9)
    assert.equal(rows.get(others)!.dlr_wait_days, 3)
  })

  test('a manager cannot hand clients to another manager in bulk', async () => {
    const ids = [await makeClient({ managerId: t.ids.manager1 }), await makeClient({ managerId: t.ids.manager1 })]
    const response = await manager1.post(bulkEdit(ids)).type('form').send({ managerId: String(t.ids.manager2), dryRun: '0' })
    const report: Report = response.body.report
    assert.equal(report.failed, 2)
    assert.match(report.rows[0].errors.managerId, /administrator/)
    const rows = await snapshot(ids)
    for (const id of ids) assert.equal(rows.get(id)!.manager_id, t.ids.manager1)
  })

  test('an admin hands clients to another active manager, never to an inactive one', async () => {
    const inactive = Number(
      (await t.models.AdminUser.create({ email: `gone-${randomBytes(3).toString('hex')}@example.com`, name: 'Gone Manager', role: 'manager', password: PASSWORD, active: false })).get('id'),
    )
    const ids = [await makeClient({ managerId: t.ids.manager1 }), await makeClient({ managerId: t.ids.manager1 })]
    const refused = await admin.post(bulkEdit(ids)).type('form').send({ managerId: String(inactive), dryRun: '0' })
    assert.equal(refused.body.report.failed, 2)
    assert.equal(refused.body.report.rows[0].errors.managerId, 'The chosen Manager is inactive')
    for (const row of (await snapshot(ids)).values()) assert.equal(row.manager_id, t.ids.manager1)

    const moved = await admin.post(bulkEdit(ids)).type('form').send({ managerId: String(t.ids.manager2), dryRun: '0' })
    assert.equal(moved.body.notice.type, 'success')
    for (const row of (await snapshot(ids)).values()) assert.equal(row.manager_id, t.ids.manager2)
  })
})

describe('change history', () => {
  test('one entry per changed client with the actor and a shared bulk reference, shown together by the history list', async () => {
    const ids = [await makeClient({ deliveryStatus: 'active' }), await makeClient({ deliveryStatus: 'active' }), await makeClient({ deliveryStatus: 'active' })]
    const response = await admin.post(bulkEdit(ids)).type('form').send({ deliveryStatus: 'expired', dryRun: '0' })
    const operation: string = response.body.operation
    assert.match(operation, /^bulk:[0-9a-f-]{36}$/)
    const entries = await historyOf(ids)
    assert.deepEqual(entries.map((entry) => entry.record_id).sort(), [...ids].sort())
    for (const entry of entries) {
      assert.equal(entry.operation, operation)
      assert.equal(entry.actor_id, t.ids.admin)
      assert.equal(entry.actor_email, 'admin@example.com')
      assert.deepEqual(entry.changes, [{ field: 'delivery_status', old: 'active', new: 'expired' }])
    }
    const list = await admin.get(api.list('ChangeHistory')).query({ 'filters.operation': operation, perPage: 50 })
    assert.deepEqual(list.body.records.map((record: { params: { recordId: number } }) => record.params.recordId).sort(), [...ids].sort())
    assert.deepEqual(new Set(list.body.records.map((record: { params: { operation: string } }) => record.params.operation)), new Set([operation]), 'each list row carries its operation (the link to the whole change)')
  })

  test("a manager's bulk edit is recorded as theirs", async () => {
    const ids = [await makeClient({ managerId: t.ids.manager1 }), await makeClient({ managerId: t.ids.manager1 })]
    const response = await manager1.post(bulkEdit(ids)).type('form').send({ canAddSubaccount: 'true', dryRun: '0' })
    const entries = await historyOf(ids)
    assert.equal(entries.length, 2)
    for (const entry of entries) {
      assert.equal(entry.actor_email, 'manager1@example.com')
      assert.equal(entry.operation, response.body.operation)
    }
  })
})

describe('the form in the panel', () => {
  test('the bulk action page gets the selected records and the bulk-editable fields', async () => {
    const ids = [await makeClient(), await makeClient()]
    const page = await admin.get(bulkEdit(ids))
    assert.equal(page.status, 200)
    assert.deepEqual(page.body.records.map((record: { id: string }) => Number(record.id)).sort(), [...ids].sort())
    const action = page.body.records[0].bulkActions.find((candidate: { name: string }) => candidate.name === 'bulkEdit')
    const names = action.custom.fields.map((field: { name: string }) => field.name)
    for (const name of ['managerId', 'currency', 'deliveryStatus', 'moderation', 'productId', 'timezone', 'dispatchFrom', 'dispatchTo', 'canSendSmpp', 'smsPriority', 'dlrWaitDays', 'notificationLimit']) {
      assert.ok(names.includes(name), name)
    }
    for (const name of ['login', 'password', 'passwordConfirmation', 'email', 'phone', 'company', 'contactName']) assert.ok(!names.includes(name), name)
  })

  test('a new client form field is not affected (the form still creates clients)', async () => {
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    assert.equal(created.body.notice.type, 'success')
  })
})
