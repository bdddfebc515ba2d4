import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { panelFields } from '../src/panel/panel-fields.js'
import { clientDefinition } from '../src/resources/client/client.fields.js'
import { api, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

// The worked example of docs/adding-a-field.md: one entry in client.fields.ts plus the generated
// migration 0003-client-throughput, and the field works everywhere without further edits.

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
})
after(() => t.close())

const create = (overrides: Record<string, string> = {}) =>
  admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), ...overrides }))
const edit = (id: number, payload: Record<string, string>) => admin.post(api.record('Client', id, 'edit')).type('form').send(payload)
const show = async (id: number) => (await admin.get(api.record('Client', id, 'show'))).body.record.params

test('the form shows Throughput in Sending permissions, beside the other sending limits, starting at 50', () => {
  const panel = panelFields(clientDefinition, { readOnlyOnceSet: 'r', activeReference: 'a', plainText: 'p', requiredOnCreate: 'q', enumValue: 'e' })
  const layout = JSON.stringify(panel.formLayout(undefined))
  assert.match(layout, /"Sending permissions".*\[\["dlrWaitDays",\{[^}]*\}\],\["throughput",\{[^}]*\}\],\["deliveryStatus",\{[^}]*\}\]\]/)
  assert.equal(panel.defaults.throughput, 50)
  assert.equal((panel.translations.properties as Record<string, string>).throughput, 'Throughput (SMS per second)')
})

test('a new client gets throughput 50 unless told otherwise; 1000 is accepted', async () => {
  const created = await create()
  assert.equal(created.body.notice.type, 'success', JSON.stringify(created.body.record?.errors))
  const id = Number(created.body.record.id)
  assert.equal((await show(id)).throughput, 50)

  const edited = await edit(id, { throughput: '1000' })
  assert.equal(edited.body.notice.type, 'success', JSON.stringify(edited.body.record?.errors))
  assert.equal((await show(id)).throughput, 1000)

  const createdAt1000 = await create({ throughput: '1000' })
  assert.equal(createdAt1000.body.notice.type, 'success', JSON.stringify(createdAt1000.body.record?.errors))
  assert.equal((await show(Number(createdAt1000.body.record.id))).throughput, 1000)
})

test('0 and 1001 are refused with an error on the field, on create and on edit', async () => {
  const created = await create()
  const id = Number(created.body.record.id)
  for (const value of ['0', '1001']) {
    for (const response of [await create({ throughput: value }), await edit(id, { throughput: value })]) {
      assert.equal(response.status, 200)
      assert.equal(response.body.notice.type, 'error', `${value} refused`)
      assert.equal(response.body.record.errors.throughput?.message, 'Must be between 1 and 1000')
    }
  }
  assert.equal((await show(id)).throughput, 50, 'nothing stored')
  // The database says the same, whoever writes.
  await assert.rejects(
    t.db.sequelize.query(`UPDATE clients SET throughput = 0 WHERE id = :id`, { replacements: { id } }),
    (error: any) => error.parent?.constraint === 'clients_throughput_range',
  )
})

test('a change of throughput is in the change history, by whom, old and new', async () => {
  const created = await create()
  const id = Number(created.body.record.id)
  await edit(id, { throughput: '200' })
  const entries = (await t.db.sequelize.query(
    `SELECT action, actor_email, changes FROM change_history WHERE resource = 'Client' AND record_id = :id ORDER BY id`,
    { replacements: { id }, type: QueryTypes.SELECT },
  )) as { action: string; actor_email: string; changes: { field: string; old?: unknown; new?: unknown }[] }[]
  assert.deepEqual(
    entries.map((entry) => entry.action),
    ['create', 'update'],
  )
  assert.ok(entries[0].changes.some((change) => change.field === 'throughput' && change.new === 50), 'created with 50')
  assert.equal(entries[1].actor_email, 'admin@example.com')
  assert.deepEqual(entries[1].changes, [{ field: 'throughput', old: 50, new: 200 }])

  // And the history page reads it in the form's words.
  const list = await admin.get(`${api.list('ChangeHistory')}?filters.recordId=${id}&filters.resource=Client`)
  const summaries = list.body.records.map((record: { params: { summary: string } }) => record.params.summary)
  assert.ok(summaries.includes('Throughput (SMS per second): 50 → 200'), JSON.stringify(summaries))
})
