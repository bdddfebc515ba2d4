import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { createApp, createLogger, SESSION_COOKIE } from '../src/app/app.js'
import { ConfigError, parseConfig } from '../src/config/env.js'
import { migrateDown, migrateUp } from '../src/db/migrator.js'
import { api, createTestDatabase, PASSWORD, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

describe('login and sessions', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  test('an active user logs in with the right password and gets an httpOnly, sameSite=lax cookie', async () => {
    const response = await request(t.app).post('/admin/login').type('form').send({ email: 'admin@example.com', password: PASSWORD })
    assert.equal(response.status, 302)
    assert.equal(response.headers.location, '/admin')
    const cookie = String(response.headers['set-cookie'])
    assert.match(cookie, new RegExp(`^${SESSION_COOKIE.replace('.', '\\.')}=`))
    assert.match(cookie, /HttpOnly/i)
    assert.match(cookie, /SameSite=Lax/i)
    assert.doesNotMatch(cookie, /Secure/i, 'plain http outside production')
  })

  test('the e-mail is matched case-insensitively', async () => {
    const response = await request(t.app).post('/admin/login').type('form').send({ email: 'Admin@Example.COM', password: PASSWORD })
    assert.equal(response.status, 302)
  })

  test('a wrong password is refused with a message on the login page', async () => {
    const response = await request(t.app).post('/admin/login').type('form').send({ email: 'manager2@example.com', password: 'wrong-password!' })
    assert.notEqual(response.status, 302)
    assert.match(response.text, /Wrong e-mail or password/)
    assert.equal(response.headers['set-cookie'], undefined)
  })

  test('an inactive user cannot log in', async () => {
    await t.models.AdminUser.create({ email: 'gone@example.com', name: 'Gone', role: 'manager', active: false, password: PASSWORD })
    const response = await request(t.app).post('/admin/login').type('form').send({ email: 'gone@example.com', password: PASSWORD })
    assert.notEqual(response.status, 302)
    assert.match(response.text, /deactivated/)
  })

  test('the API answers a request without a session with a redirect to the login page', async () => {
    const response = await request(t.app).get(api.list('Client'))
    assert.equal(response.status, 302)
    assert.equal(response.headers.location, '/admin/login')
  })

  test('logout destroys the session on the server', async () => {
    const login = await request(t.app).post('/admin/login').type('form').send({ email: 'admin@example.com', password: PASSWORD })
    const cookie = login.headers['set-cookie'] as unknown as string[]
    assert.equal((await request(t.app).get(api.list('Client')).set('Cookie', cookie)).status, 200)
    // Logging out is a POST since issue #21 (a GET only shows the button).
    await request(t.app).post('/admin/logout').set('Cookie', cookie)
    const afterLogout = await request(t.app).get(api.list('Client')).set('Cookie', cookie)
    assert.equal(afterLogout.status, 302)
  })

  test('the password hash never appears in a response, populated references included', async () => {
    const admin = await t.loginAs('admin@example.com')
    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    assert.equal(created.body.notice.type, 'success', JSON.stringify(created.body.record?.errors))
    const id = created.body.record.id
    const responses = [
      created,
      await admin.get(api.list('Client')),
      await admin.get(api.record('Client', id, 'show')),
      await admin.get(api.record('Client', id, 'edit')),
      await admin.get(api.search('Client', 'client')),
      await admin.get(api.list('AdminUser')),
      await admin.get(api.record('AdminUser', t.ids.manager1, 'show')),
      await admin.get(api.record('AdminUser', t.ids.manager1, 'edit')),
      await admin.get(api.search('AdminUser', 'Maria')),
    ]
    const show = responses[2].body.record
    assert.equal(show.populated.managerId.title, 'Maria Manager', 'the manager is populated')
    for (const response of responses) {
      const text = JSON.stringify(response.body)
      // supertest's Response carries the request at run time; its types leave it out.
      const { path } = (response as unknown as { req: { path: string } }).req
      assert.doesNotMatch(text, /passwordHash|\$2[aby]\$/, `no hash in ${path}`)
      assert.doesNotMatch(text, /secret-password-1|correct-horse/, `no plaintext in ${path}`)
    }
  })

  test('show and edit carry the references\' titles, also right after the reference changed', async () => {
    const admin = await t.loginAs('admin@example.com')
    const created = await admin
      .post(api.new('Client'))
      .type('form')
      .send(validClientForm({ managerId: String(t.ids.manager1), productId: String(t.ids.productActive) }))
    const id = created.body.record.id
    const show = (await admin.get(api.record('Client', id, 'show'))).body.record
    assert.equal(show.populated.managerId.title, 'Maria Manager')
    assert.equal(show.populated.productId.title, 'Business')
    const handedOver = await admin.post(api.record('Client', id, 'edit')).type('form').send({ managerId: String(t.ids.manager2) })
    assert.equal(handedOver.body.notice.type, 'success')
    assert.equal(handedOver.body.record.populated.managerId.title, 'Mark Manager')
    const manager = await t.loginAs('manager2@example.com')
    const seenByManager = (await manager.get(api.record('Client', id, 'edit'))).body.record
    assert.equal(seenByManager.populated.productId.title, 'Business')
  })

  test('GET /health answers ok while the database does', async () => {
    const response = await request(t.app).get('/health')
    assert.equal(response.status, 200)
    assert.deepEqual(response.body, { status: 'ok' })
  })

  test('unknown routes answer 404, API errors never an HTML stack trace', async () => {
    const admin = await t.loginAs('admin@example.com')
    const missing = await request(t.app).get('/nope').set('Accept', 'application/json')
    assert.equal(missing.status, 404)
    const unknownRecord = await admin.get(api.record('Client', 999999, 'show'))
    assert.equal(unknownRecord.body.notice.type, 'error')
    assert.doesNotMatch(unknownRecord.text, /<html|at .*\.js:\d+/i)
  })
})

test('a session survives an app restart (a new instance on the same database accepts the cookie)', async () => {
  const { db, config, drop } = await createTestDatabase()
  try {
    const first = await createApp(config, db, createLogger({ logLevel: 'silent' }))
    await first.models.AdminUser.create({ email: 'admin@example.com', name: 'Alex', role: 'admin', password: PASSWORD })
    const login = await request(first.app).post('/admin/login').type('form').send({ email: 'admin@example.com', password: PASSWORD })
    const cookie = login.headers['set-cookie'] as unknown as string[]
    await first.close()

    const second = await createApp(config, db, createLogger({ logLevel: 'silent' }))
    const response = await request(second.app).get(api.list('Client')).set('Cookie', cookie)
    assert.equal(response.status, 200)
    assert.deepEqual(response.body.records, [])
    assert.equal(response.body.meta.total, 0)
    await second.close()
  } finally {
    await drop()
  }
})

test('/health answers 503 when the database does not', async () => {
  const { db, config, drop } = await createTestDatabase()
  const app = await createApp(config, db, createLogger({ logLevel: 'silent' }))
  await app.close()
  await drop() // closes the pool: every query now fails
  const response = await request(app.app).get('/health')
  assert.equal(response.status, 503)
  assert.deepEqual(response.body, { status: 'unavailable' })
})

describe('configuration', () => {
  test('a bad value is refused with a message naming the variable', () => {
    assert.throws(() => parseConfig({ PORT: 'eighty' }), (error: unknown) => error instanceof ConfigError && /PORT/.test(error.message))
    assert.throws(() => parseConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/)
    assert.throws(() => parseConfig({ BCRYPT_ROUNDS: '3' }), /BCRYPT_ROUNDS/)
  })

  test('production refuses to run without a strong SESSION_SECRET', () => {
    assert.throws(() => parseConfig({ NODE_ENV: 'production' }), /SESSION_SECRET/)
    assert.throws(() => parseConfig({ NODE_ENV: 'production', SESSION_SECRET: 'short' }), /SESSION_SECRET/)
    const config = parseConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), TWO_FACTOR_KEY: 'k'.repeat(32) })
    assert.equal(config.isProduction, true)
    assert.equal(config.seedPassword, undefined, 'no demo password in production')
  })

  test('the server process stops at start with a clear message on a bad value', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(run.status, 1)
    assert.match(run.stderr, /Invalid configuration[\s\S]*PORT/)
  })

  test('the server process refuses a production start without SESSION_SECRET', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(run.status, 1)
    assert.match(run.stderr, /SESSION_SECRET/)
  })
})

test('migrations apply on an empty database and migrate:down reverts them', async () => {
  const { db, drop } = await createTestDatabase()
  try {
    const tables = async () =>
      (
        (await db.sequelize.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`, {
          type: QueryTypes.SELECT,
        })) as { tablename: string }[]
      ).map((row) => row.tablename)
    assert.deepEqual(await tables(), [
      // Each user's list preferences (migration 0017, issue #26).
      'admin_user_list_preferences',
      // Two-factor secrets beside the users, and the panel's settings (migration 0010, issue #19).
      'admin_user_two_factor',
      'admin_users', 'change_history',
      // The home page's client counts and owners of client changes (migration 0006, issue #14).
      'client_change_owners', 'client_count_changes', 'client_counts', 'client_created_per_day',
      'clients',
      // Import jobs' uploads and reports of any size, a piece at a time (migrations 0022 and 0020, issue #25).
      'import_job_file_pieces',
      'import_job_report_pieces',
      // Import jobs and their uploaded files (migration 0011, issue #16).
      'import_jobs',
      'login_throttle', 'panel_settings', 'products', 'schema_migrations',
      // A client's sender names (migration 0015).
      'sender_names',
      'sessions',
    ])
    assert.deepEqual(await migrateUp(db.sequelize), [], 'applying again changes nothing')
    await migrateDown(db.sequelize, { to: 0 })
    assert.deepEqual(await tables(), ['schema_migrations'])
    await migrateUp(db.sequelize)
    assert.ok((await tables()).includes('clients'))
  } finally {
    await drop()
  }
})
