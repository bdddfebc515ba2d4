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
