/**
 * Issue #25, the seven findings of the review "fixed by class": each tried through HTTP on the app
 * as the panel's front end calls it (or, for the start-up refusal, on a real server process), and
 * what must come of it. Every test here failed on the code before the fix.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { generate } from 'otplib'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { api, createClient, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'

let t: TestApp
let admin: request.Agent
let manager1: request.Agent

const IMPORT = '/admin/imports/Client'
const bulkCount = (query: string) => `/admin/api/resources/Client/actions/bulkEditMatching?${query}`
const bulkAllMatching = (query: string) => `/admin/api/resources/Client/bulk/bulkEdit?allMatching=1&${query}`

const storedClient = async (id: number) =>
  ((await t.db.sequelize.query('SELECT * FROM clients WHERE id = :id', { replacements: { id }, type: QueryTypes.SELECT })) as Record<string, unknown>[])[0]

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
})
after(async () => {
  await t?.close()
})

describe('1. filters: a name the list does not filter by is refused on every route that takes filters', () => {
  test('list, search, export, bulk edit\'s count and allMatching (preview and apply) all answer 400 naming the field; nothing changes', async () => {
    const ids = [await createClient(t, 'filters-a'), await createClient(t, 'filters-b')]
    const before = await Promise.all(ids.map(storedClient))
    for (const [name, query] of [
      ['unknown', 'filters.logn=filters-a'],
      ['secret', 'filters.passwordHash=x'],
      ['not filterable', 'filters.comment=x'],
    ]) {
      const field = query.slice('filters.'.length, query.indexOf('='))
      const answers = {
        list: await admin.get(`${api.list('Client')}?${query}`),
        search: await admin.get(`${api.search('Client', 'filters')}?${query}`),
        export: await admin.get(`/admin/exports/Client.csv?${query}`),
        count: await admin.get(bulkCount(query)),
        preview: await admin.post(bulkAllMatching(query)).type('form').send({ canSendApi: 'true', dryRun: '1' }),
        apply: await admin.post(bulkAllMatching(query)).type('form').send({ canSendApi: 'true', dryRun: '0' }),
        managerApply: await manager1.post(bulkAllMatching(query)).type('form').send({ canSendApi: 'true', dryRun: '0' }),
      }
      for (const [route, answer] of Object.entries(answers)) {
        assert.equal(answer.status, 400, `${name} filter on ${route}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`)
        assert.ok(answer.body.error.includes(field), `${route} names ${field}: ${answer.body.error}`)
        assert.equal(answer.body.report, undefined, `${route} acted on no client`)
      }
    }
    assert.deepEqual(await Promise.all(ids.map(storedClient)), before, 'no client changed')
    // The history's list takes the same check.
    const history = await admin.get(`${api.list('ChangeHistory')}?filters.actorEmal=x`)
    assert.equal(history.status, 400)
    assert.match(history.body.error, /actorEmal/)
  })

  test('a known filter still narrows the bulk edit to what it matches', async () => {
    const marker = `narrow-${Date.now()}`
    await createClient(t, `${marker}-1`)
    const count = await admin.get(bulkCount(`filters.login=${marker}`))
    assert.equal(count.status, 200)
    assert.equal(count.body.total, 1)
  })
})

/** Uploads a CSV text to the import (dry run unless told), as the panel's Import CSV does. */
const upload = (agent: request.Agent, text: string, dryRun: '0' | '1' = '1') =>
  agent.post(IMPORT).field('dryRun', dryRun).attach('file', Buffer.from(text), { filename: 'clients.csv', contentType: 'text/csv' })

/** A CSV export's rows as objects by header cell. */
const parseCsv = (text: string) => {
  const rows = text.trim().split(/\r?\n/).map((line) => line.split(','))
  return { header: rows[0], rows: rows.slice(1) }
}

describe('2. the import compares the Version column', () => {
  test('a row of a client changed since the export is an error naming who and when; nothing is overwritten', async () => {
    const id = await createClient(t, 'versioned-1', { company: 'Exported Ltd' })
    const exported = await admin.get(`/admin/exports/Client.csv?filters.login=versioned-1`).buffer(true)
    assert.equal(exported.status, 200)
    const { header } = parseCsv(exported.text)
    assert.ok(header.includes('Version'), header.join(','))
    const file = (version: string, company: string) => `Login,Company,Version\r\nversioned-1,${company},${version}\r\n`
    const exportedVersion = String((await storedClient(id)).version)

    // Someone saves the client after the export.
    const saved = await manager1.post(api.record('Client', id, 'edit')).send({ company: 'Saved Since GmbH', version: exportedVersion })
    assert.equal(saved.body.notice?.type, 'success', JSON.stringify(saved.body).slice(0, 300))

    for (const dryRun of ['1', '0'] as const) {
      const response = await upload(admin, file(exportedVersion, 'Old Value Ltd'), dryRun)
      assert.equal(response.status, 200, JSON.stringify(response.body))
      const [row] = response.body.rows
      assert.equal(row.action, 'error')
      assert.match(row.errors.version, /^Changed by manager1@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC since version \d+ of your file \(Company\)\. Export again/)
      assert.deepEqual(response.body.versions, { compared: true, rowsWithoutVersion: [] })
    }
    assert.equal((await storedClient(id)).company, 'Saved Since GmbH', 'the later save stands')

    // A file of the current version applies; a version the client never had is an error.
    const current = String((await storedClient(id)).version)
    const applied = await upload(admin, file(current, 'New Value Ltd'), '0')
    assert.equal(applied.body.updated, 1, JSON.stringify(applied.body))
    assert.equal((await storedClient(id)).company, 'New Value Ltd')
    const future = await upload(admin, file('999', 'Whatever Ltd'))
    assert.match(future.body.rows[0].errors.version, /version 999 is not one it had/)
  })

  test('the dry run says which rows have no version to compare, and when the file has no Version column', async () => {
    await createClient(t, 'unversioned-1')
    await createClient(t, 'unversioned-2')
    const version = String((await t.models.Client.findOne({ where: { login: 'unversioned-2' } }))!.get('version'))
    const withColumn = await upload(
      admin,
      `Login,Password,Manager,E-mail,Company,Version\r\nunversioned-1,,,unversioned-1@example.com,A Ltd,\r\nunversioned-2,,,unversioned-2@example.com,B Ltd,${version}\r\n` +
        `brand-new-row,secret-password-1,manager1@example.com,new-row@example.com,C Ltd,\r\n`,
    )
    assert.equal(withColumn.status, 200, JSON.stringify(withColumn.body))
    assert.deepEqual(withColumn.body.versions, { compared: true, rowsWithoutVersion: [1] }, 'a new row needs no version')
    const without = await upload(admin, `Login,Company\r\nunversioned-1,A Ltd\r\n`)
    assert.deepEqual(without.body.versions, { compared: false, rowsWithoutVersion: [1] }, 'every stored client\'s row')
  })
})

describe('4. import and revert say only "not found or not yours" outside the user\'s scope; history after a hand-over', () => {
  test("another manager's client in a manager's import: one message, nothing of its values", async () => {
    // manager2's client with a currency and a dispatch window set.
    await createClient(t, 'theirs-1', { managerId: t.ids.manager2, currency: 'USD', dispatchFrom: '09:00', dispatchTo: '17:00' })
    const probes = [
      'Login,Currency\r\ntheirs-1,EUR\r\n',
      'Login,Currency\r\ntheirs-1,USD\r\n',
      'Login,dispatchFrom,dispatchTo\r\ntheirs-1,10:00,\r\n',
      'Login,Company\r\ntheirs-1,Same Ltd\r\n',
    ]
    for (const file of probes) {
      const response = await upload(manager1, file)
      assert.equal(response.status, 200, JSON.stringify(response.body))
      assert.deepEqual(response.body.rows[0].errors, { login: 'Not found or not yours' }, file)
    }
  })

  test("Manager and Product cells of a manager's file: the same message whether the user or product exists or not", async () => {
    const cells = [
      ['Manager', 'manager2@example.com'],
      ['Manager', 'nobody-at-all@example.com'],
      ['Manager', 'admin@example.com'],
      ['Product', 'OLD'], // inactive: not offered to a manager
      ['Product', 'NO-SUCH-CODE'],
    ]
    const messages = new Set<string>()
    for (const [column, value] of cells) {
      const response = await upload(manager1, `Login,Password,E-mail,${column}\r\nprobe-cells,secret-password-1,probe-cells@example.com,${value}\r\n`)
      assert.equal(response.status, 200, JSON.stringify(response.body))
      const message = Object.values(response.body.rows[0].errors as Record<string, string>).join(' | ')
      messages.add(message)
    }
    assert.deepEqual([...messages], ['Not found or not yours'])
    // Their own e-mail and an active product are found; an administrator still gets the precise messages.
    const own = await upload(manager1, `Login,Password,E-mail,Manager,Product\r\nprobe-own,secret-password-1,probe-own@example.com,manager1@example.com,BUSINESS\r\n`)
    assert.equal(own.body.rows[0].action, 'create', JSON.stringify(own.body.rows[0]))
    const byAdmin = await upload(admin, `Login,Password,E-mail,Manager,Product\r\nprobe-admin,secret-password-1,probe-admin@example.com,nobody-at-all@example.com,OLD\r\n`)
    assert.match(byAdmin.body.rows[0].errors.managerId, /does not exist/)
    assert.match(byAdmin.body.rows[0].errors.productId, /inactive/)
  })

  test("a whole revert that reaches another manager's client names nothing of it", async () => {
    const mine = await createClient(t, 'revert-mine')
    await createClient(t, 'revert-secret-login', { managerId: t.ids.manager2 })
    const bulk = await admin
      .post(`/admin/api/resources/Client/bulk/bulkEdit?allMatching=1&filters.login=revert-`)
      .type('form')
      .send({ canSendApi: 'true', dryRun: '0' })
    assert.equal(bulk.body.report.updated, 2, JSON.stringify(bulk.body.report))
    const [{ id: entryId }] = (await t.db.sequelize.query(`SELECT id FROM change_history WHERE resource = 'Client' AND record_id = :id AND action = 'update' ORDER BY id DESC LIMIT 1`, {
      replacements: { id: mine },
      type: QueryTypes.SELECT,
    })) as { id: string }[]
    const refused = await manager1.post(`${api.record('ChangeHistory', entryId, 'revert')}?whole=1`).type('form').send({})
    assert.equal(refused.body.notice.type, 'error')
    assert.match(refused.body.notice.message, /Not found or not yours/)
    assert.doesNotMatch(refused.body.notice.message, /revert-secret-login|manager2/)
    assert.equal((await storedClient(mine)).can_send_api, true, 'nothing reverted')
  })

  test('after a hand-over the receiving manager sees neither the previous manager\'s edits nor their e-mail', async () => {
    const id = await createClient(t, 'handed-over', { managerId: t.ids.manager2 })
    const manager2 = await t.loginAs('manager2@example.com')
    const edited = await manager2.post(api.record('Client', id, 'edit')).send({ company: 'Edited By Previous Manager' })
    assert.equal(edited.body.notice?.type, 'success')
    const handOver = await admin.post(api.record('Client', id, 'edit')).send({ managerId: String(t.ids.manager1) })
    assert.equal(handOver.body.notice?.type, 'success')
    const edit = await manager1.post(api.record('Client', id, 'edit')).send({ company: 'Edited By New Manager' })
    assert.equal(edit.body.notice?.type, 'success')

    const history = await manager1.get(api.list('ChangeHistory')).query({ 'filters.recordId': id, perPage: 100 })
    assert.equal(history.status, 200)
    const text = JSON.stringify(history.body.records)
    assert.doesNotMatch(text, /manager2@example\.com/, 'no e-mail of the previous manager')
    // (Read from each entry's summary: the revert preview of the new manager's own edit goes back to that value, which is fine.)
    const summaries = history.body.records.map((record: { params: { summary: string } }) => record.params.summary).join('\n')
    assert.doesNotMatch(summaries, /→ Edited By Previous Manager/, "none of the previous manager's edits")
    // What is left: the hand-over and what came after it (the creation and the edit before it are gone).
    const seen = history.body.records.map((record: { params: { actorEmail: string; summary: string } }) => `${record.params.actorEmail}: ${record.params.summary}`)
    assert.equal(seen.length, 2, seen.join('\n'))
    assert.match(seen[0], /^manager1@example\.com: Company: Edited By Previous Manager → Edited By New Manager/)
    assert.match(seen[1], /^admin@example\.com: Manager: #\d+ → Maria Manager/, 'the previous manager is named by id only')
    // Nor one by one, by a typed-in id.
    const [{ id: hidden }] = (await t.db.sequelize.query(`SELECT id FROM change_history WHERE record_id = :id AND actor_email = 'manager2@example.com' LIMIT 1`, {
      replacements: { id },
      type: QueryTypes.SELECT,
    })) as { id: string }[]
    const show = await manager1.get(api.record('ChangeHistory', hidden, 'show'))
    assert.deepEqual(show.body.record?.params ?? {}, {})
    // An administrator still sees all of it.
    const all = await admin.get(api.list('ChangeHistory')).query({ 'filters.recordId': id, perPage: 100 })
    assert.match(JSON.stringify(all.body.records), /manager2@example\.com/)
  })
})

describe('3. production refuses to start without TWO_FACTOR_KEY', () => {
  test('the server process exits with a message naming TWO_FACTOR_KEY; with it, the configuration passes', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stderr, /TWO_FACTOR_KEY[^\n]*required in production/)
    assert.doesNotMatch(run.stderr, /SESSION_SECRET/, 'only the missing setting is named')
  })
})

describe('5. a two-factor requirement holds for sessions already open', () => {
  test('"everyone": a manager logged in before the change is sent to enrol at their next request, and goes on once enrolled', async () => {
    const setterId = Number((await t.models.AdminUser.create({ email: 'twofa-setter@example.com', name: 'Setter', role: 'admin', password: PASSWORD })).get('id'))
    const setter = await t.loginAs('twofa-setter@example.com')
    const started = await setter.post('/admin/api/account/two-factor').expect(200)
    await setter.post('/admin/api/account/two-factor/confirm').send({ code: await generate({ secret: started.body.secret }) }).expect(200)
    const open = await t.loginAs('manager2@example.com')
    await open.get(api.list('Client')).expect(200)
    try {
      await setter.post('/admin/api/account/settings').send({ twoFactorRequired: 'everyone' }).expect(200)
      const page = await open.get('/admin/resources/Client')
      assert.equal(page.status, 302)
      assert.equal(page.headers.location, '/admin/login/two-factor')
      const apiAnswer = await open.get(api.list('Client'))
      assert.equal(apiAnswer.status, 401)
      assert.equal(apiAnswer.body.twoFactorRequired, true)
      const enrolPage = await open.get('/admin/login/two-factor').expect(200)
      assert.match(enrolPage.text, /Set up two-factor login/)
      // The setter gave a code in this session: they go on.
      await setter.get(api.list('Client')).expect(200)

      const enrolment = await open.post('/admin/api/account/two-factor').expect(200)
      await open.post('/admin/api/account/two-factor/confirm').send({ code: await generate({ secret: enrolment.body.secret }) }).expect(200)
      await open.get(api.list('Client')).expect(200)
    } finally {
      await setter.post('/admin/api/account/settings').send({ twoFactorRequired: 'off' }).expect(200)
      await setter.post(`/admin/api/account/users/${t.ids.manager2}/two-factor/reset`).expect(200)
      await t.models.AdminUser.update({ active: false }, { where: { id: setterId } })
    }
  })
})

describe('6. webhook hosts', () => {
  test('any number of trailing dots after a private address or name is refused', async () => {
    const id = await createClient(t, 'webhook-dots')
    for (const url of ['http://127.0.0.1../', 'http://127.0.0.1.../dlr', 'http://localhost.../', 'http://10.0.0.1..:8080/x']) {
      const response = await admin.post(api.record('Client', id, 'edit')).type('form').send({ apiDlrUrl: url })
      assert.equal(response.body.record?.errors?.apiDlrUrl?.message, 'Must not point at localhost or a private network address', url)
    }
    assert.equal((await storedClient(id)).api_dlr_url, null)
  })
})

describe('7. numbers and objects in requests are checked: 400 with a message, never 500', () => {
  test('page=1e308 (and other pages no database takes) on list, search and history', async () => {
    for (const path of [api.list('Client'), api.search('Client', 'x'), api.list('ChangeHistory'), api.list('AdminUser')]) {
      for (const page of ['1e308', 'Infinity', '99999999999999999999']) {
        const response = await admin.get(`${path}?page=${page}`)
        assert.equal(response.status, 400, `${path} page=${page}: ${response.status}`)
        assert.match(response.body.error, /page/)
      }
      // What the list always did with a page that is not a number: the first page.
      assert.equal((await admin.get(`${path}?page=abc`)).status, 200)
    }
  })

  test('__proto__ and constructor.prototype in a bulk edit body, as a form and as JSON', async () => {
    const id = await createClient(t, 'proto-bulk')
    const before = await storedClient(id)
    for (const name of ['__proto__.x', 'constructor.prototype.x', 'filters.__proto__.canSendApi']) {
      for (const type of ['form', 'json'] as const) {
        const response = await admin.post(api.bulk('Client', 'bulkEdit', [id])).type(type).send({ [name]: 'true', canSendApi: 'true', dryRun: '0' })
        assert.equal(response.status, 400, `${name} as ${type}: ${response.status} ${JSON.stringify(response.body)}`)
        assert.match(response.body.error, /not a field name/)
      }
    }
    const query = await admin.get(`${api.list('Client')}?constructor.prototype.x=1`)
    assert.equal(query.status, 400)
    assert.deepEqual(await storedClient(id), before)
    assert.equal(({} as Record<string, unknown>).x, undefined, 'nothing reached Object.prototype')
  })

  test('deeply nested JSON and deeply dotted names on edit, new and bulk edit', async () => {
    const id = await createClient(t, 'deep-json')
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`
    const dotted = `a${'.a'.repeat(60_000)}`
    const routes = [api.record('Client', id, 'edit'), api.new('Client'), api.bulk('Client', 'bulkEdit', [id])]
    for (const path of routes) {
      const nested = await admin.post(path).set('content-type', 'application/json').send(`{"comment": ${deep}}`)
      assert.equal(nested.status, 400, `${path}: ${nested.status}`)
      assert.match(nested.body.error, /nests/)
      const form = await admin.post(path).type('form').send(`${dotted}=1`)
      assert.equal(form.status, 400, `${path} dotted: ${form.status}`)
      assert.match(form.body.error, /nests/)
    }
    // A form as the panel sends it still saves.
    const saved = await admin.post(api.record('Client', id, 'edit')).send({ comment: 'still fine' })
    assert.equal(saved.body.notice?.type, 'success', JSON.stringify(saved.body).slice(0, 300))
  })

  test('an import header of a million unknown columns: a short answer, without reading the rows', async () => {
    const columns = 1_000_000
    const header = Array.from({ length: columns }, (_, i) => `c${i}`).join(',')
    const row = ','.repeat(columns - 1)
    const started = Date.now()
    const response = await admin.post(IMPORT).field('dryRun', '1').attach('file', Buffer.from(`${header}\r\n${row}\r\n`), { filename: 'wide.csv', contentType: 'text/csv' })
    const ms = Date.now() - started
    assert.equal(response.status, 400)
    assert.match(response.body.error, /more than 1,000 columns/)
    assert.ok(response.text.length < 2000, `answer of ${response.text.length} bytes`)
    console.log(`# a 1,000,000-column header answered in ${ms} ms, ${response.text.length} bytes`)
    // Below that width, unknown columns are named, a few of them.
    const some = Array.from({ length: 300 }, (_, i) => `c${i}`)
    const named = await admin.post(IMPORT).field('dryRun', '1').attach('file', Buffer.from(`Login,${some.join(',')}\r\nx${','.repeat(300)}\r\n`), { filename: 'wide.csv', contentType: 'text/csv' })
    assert.equal(named.status, 400)
    assert.match(named.body.error, /^Unknown columns: "c0", "c1", .*"c9" and 290 more\./)
    assert.ok(named.text.length < 1000)
  })

  test('other refusals stay short answers whatever the request names', async () => {
    const id = await createClient(t, 'short-answers')
    const longName = 'x'.repeat(8000)
    for (const path of [`${api.list('Client')}?filters.${longName}=1`, `/admin/exports/Client.csv?filters.${longName}=1`, bulkCount(`filters.${longName}=1`)]) {
      const response = await admin.get(path)
      assert.equal(response.status, 400, path.slice(0, 60))
      assert.ok(response.text.length < 1000, `${path.slice(0, 40)}: ${response.text.length} bytes`)
    }
    const madeUp = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`made-up-field-${i}-${'y'.repeat(200)}`, '1']))
    const bulk = await admin.post(api.bulk('Client', 'bulkEdit', [id])).type('form').send({ ...madeUp, dryRun: '1' })
    assert.equal(bulk.body.notice?.type, 'error')
    assert.ok(Object.keys(bulk.body.record.errors).length <= 20)
    assert.ok(bulk.text.length < 20_000, `bulk edit refusal of ${bulk.text.length} bytes`)
  })

  test('an administrator changes their own password in the Admin users form only with the current one (on their account page)', async () => {
    const own = await admin.post(api.record('AdminUser', t.ids.admin, 'edit')).type('form').send({ password: 'taken-over-password-1', passwordConfirmation: 'taken-over-password-1' })
    assert.equal(own.status, 200)
    assert.match(own.body.record.errors.password.message, /account page.*current/)
    await t.loginAs('admin@example.com') // the password is unchanged
    // As JSON, with a made-up "current password" field: still refused.
    const json = await admin.post(api.record('AdminUser', t.ids.admin, 'edit')).send({ password: 'taken-over-password-1', passwordConfirmation: 'taken-over-password-1', currentPassword: 'guess' })
    assert.ok(json.body.record.errors.password, JSON.stringify(json.body).slice(0, 300))
    // Another user's password is still set by an administrator, and the own one on the account page.
    const other = await admin.post(api.record('AdminUser', t.ids.manager2, 'edit')).type('form').send({ password: 'reset-by-admin-123', passwordConfirmation: 'reset-by-admin-123' })
    assert.equal(other.body.notice?.type, 'success', JSON.stringify(other.body).slice(0, 300))
    await admin.post('/admin/api/account/password').send({ currentPassword: 'wrong-one-123', newPassword: 'my-own-new-password-2' }).expect(400)
    await admin.post('/admin/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'my-own-new-password-2' }).expect(200)
    await admin.post('/admin/api/account/password').send({ currentPassword: 'my-own-new-password-2', newPassword: PASSWORD }).expect(200)
  })
})
