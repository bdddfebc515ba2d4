/**
 * One way to show times and zones (issue #27), the server's part: each user's time zone is kept
 * with them (admin_users.time_zone), set on My account, recorded in the history as theirs, and
 * handed to the panel's pages with the session's user; zones are named "Europe/Berlin (UTC+01:00)"
 * wherever they are offered, while the stored value stays the IANA name. And the revert page knows
 * before anything is pressed when a revert cannot apply.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { timezoneLabel, timezoneOptions } from '../src/fields/kinds.js'
import { api, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

let t: TestApp
before(async () => {
  t = await startTestApp()
})
after(async () => {
  await t?.close()
})

const storedZone = async (id: number) =>
  ((await t.db.sequelize.query(`SELECT time_zone FROM admin_users WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT })) as { time_zone: string | null }[])[0].time_zone

describe("a user's time zone", () => {
  test('is saved from My account, kept with the user, recorded as their change and handed to the pages', async () => {
    const manager = await t.loginAs('manager1@example.com')
    assert.equal((await manager.get('/admin/api/account').expect(200)).body.user.timeZone, null, 'none chosen: the browser’s zone')
    const saved = await manager.post('/admin/api/account/time-zone').send({ timeZone: 'Europe/Berlin' }).expect(200)
    assert.deepEqual(saved.body, { timeZone: 'Europe/Berlin' })
    assert.equal(await storedZone(t.ids.manager1), 'Europe/Berlin')
    assert.equal((await manager.get('/admin/api/account').expect(200)).body.user.timeZone, 'Europe/Berlin')
    // The panel's pages start with the session's user, zone included (the browser formats with it).
    const page = await manager.get('/admin/pages/account').expect(200)
    assert.match(page.text, /"timeZone":"Europe\/Berlin"/)
    const [entry] = (await t.db.sequelize.query(
      `SELECT actor_email, changes FROM change_history WHERE resource = 'AdminUser' AND record_id = :id AND action = 'update' ORDER BY id DESC LIMIT 1`,
      { replacements: { id: t.ids.manager1 }, type: QueryTypes.SELECT },
    )) as { actor_email: string; changes: { field: string; old: unknown; new: unknown }[] }[]
    assert.equal(entry.actor_email, 'manager1@example.com')
    assert.deepEqual(entry.changes.map(({ field, old, new: now }) => ({ field, old, new: now })), [{ field: 'time_zone', old: null, new: 'Europe/Berlin' }])

    // Another session of the same user reads it with its next request.
    const elsewhere = await t.loginAs('manager1@example.com')
    assert.equal((await elsewhere.get('/admin/api/account').expect(200)).body.user.timeZone, 'Europe/Berlin')

    // Empty goes back to the browser's own zone.
    assert.deepEqual((await manager.post('/admin/api/account/time-zone').send({ timeZone: '' }).expect(200)).body, { timeZone: null })
    assert.equal(await storedZone(t.ids.manager1), null)
  })

  test('refuses what is not a zone from the list, in the form’s words, and changes nothing', async () => {
    const admin = await t.loginAs('admin@example.com')
    await admin.post('/admin/api/account/time-zone').send({ timeZone: 'Asia/Tokyo' }).expect(200)
    for (const timeZone of ['Mars/Olympus_Mons', 'Europe/Berlin; DROP TABLE clients', ['UTC'], 42]) {
      const refused = await admin.post('/admin/api/account/time-zone').send({ timeZone }).expect(400)
      assert.equal(refused.body.errors.timeZone.message, 'Choose a time zone from the list, e.g. Europe/Berlin.')
    }
    assert.equal(await storedZone(t.ids.admin), 'Asia/Tokyo')
    // Only through My account: the Admin users form does not write it.
    await admin.post(api.record('AdminUser', t.ids.manager2, 'edit')).type('form').send({ timeZone: 'Asia/Tokyo', name: 'Manager Two' }).expect(200)
    assert.equal(await storedZone(t.ids.manager2), null)
  })

  test('needs a session', async () => {
    const { default: request } = await import('supertest')
    await request(t.app).post('/admin/api/account/time-zone').send({ timeZone: 'UTC' }).expect(401)
  })
})

describe('time zones as the panel names them', () => {
  test('the IANA name with its offset, the stored value unchanged', () => {
    const winter = new Date('2026-01-15T12:00:00Z')
    const summer = new Date('2026-07-15T12:00:00Z')
    assert.equal(timezoneLabel('Europe/Berlin', winter), 'Europe/Berlin (UTC+01:00)')
    assert.equal(timezoneLabel('Europe/Berlin', summer), 'Europe/Berlin (UTC+02:00)')
    assert.equal(timezoneLabel('Asia/Kolkata', winter), 'Asia/Kolkata (UTC+05:30)')
    assert.equal(timezoneLabel('America/St_Johns', winter), 'America/St_Johns (UTC-03:30)')
    assert.equal(timezoneLabel('UTC', winter), 'UTC (UTC+00:00)')
    const berlin = timezoneOptions.find((option) => option.value === 'Europe/Berlin')
    assert.match(berlin!.label, /^Europe\/Berlin \(UTC\+0[12]:00\)$/)
  })

  test("the client's time zone field offers and shows them so, and stores the IANA name", async () => {
    const admin = await t.loginAs('admin@example.com')
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), timezone: 'Europe/Berlin' }))
    assert.equal(created.body.notice.type, 'success', created.body.notice.message)
    const shown = await admin.get(api.record('Client', created.body.record.id, 'show')).expect(200)
    assert.equal(shown.body.record.params.timezone, 'Europe/Berlin')
    const resources = await admin.get('/admin/api/resources/Client/actions/list').expect(200)
    assert.ok(resources.body, 'the list answers')
    const property = (await admin.get('/admin').expect(200)).text.match(/"value":"Europe\/Berlin","label":"([^"]+)"/)
    assert.ok(property, 'the panel’s resource description carries the choices')
    assert.match(property![1], /^Europe\/Berlin \(UTC\+0[12]:00\)$/)
  })
})

describe('the revert page', () => {
  test('knows before anything is pressed when the revert cannot apply, and why', async () => {
    const admin = await t.loginAs('admin@example.com')
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), allowCredit: '100.00' }))
    const id = created.body.record.id
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ allowCredit: '5000' })
    const [edit] = (await admin.get(api.list('ChangeHistory')).query({ 'filters.recordId': String(id), 'filters.resource': 'Client' }).expect(200)).body.records
    const fresh = await admin.get(api.record('ChangeHistory', edit.id, 'revert')).expect(200)
    assert.equal(fresh.body.record.params.revertBlocked, undefined, 'a change that still applies is offered as it is')
    assert.match(fresh.body.record.params.revertSummary, /5000\.00 → 100\.00/)

    await admin.post(api.record('ChangeHistory', edit.id, 'revert')).expect(200)
    const again = await admin.get(api.record('ChangeHistory', edit.id, 'revert')).expect(200)
    assert.equal(again.body.record.params.revertBlocked, 'This change was already reverted')

    const [superseded] = (await admin.get(api.list('ChangeHistory')).query({ 'filters.recordId': String(id), 'filters.resource': 'Client' }).expect(200)).body.records
    await admin.post(api.record('Client', id, 'edit')).type('form').send({ allowCredit: '7000' })
    const later = await admin.get(api.record('ChangeHistory', superseded.id, 'revert')).expect(200)
    assert.match(later.body.record.params.revertBlocked, /changed again since/)
  })
})
