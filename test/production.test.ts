import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import http from 'node:http'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { createApp, createLogger } from '../src/app/app.js'
import { hashPassword } from '../src/auth/password-hashing.js'
import { defineModels } from '../src/models/index.js'
import { eventually } from './helpers/eventually.js'
import { api, createTestDatabase, PASSWORD, startTestApp, validClientForm } from './helpers/harness.js'
import { serverEntry, startServerProcess, startServerProcesses, type ServerProcess } from './helpers/server-process.js'

const login = (url: string, email: string, password: string) =>
  fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }),
  })

describe('two instances on one database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let first: ServerProcess
  let second: ServerProcess
  const secret = 'shared-secret-of-both-instances-0123456789'

  before(async () => {
    database = await createTestDatabase()
    const models = defineModels(database.db.sequelize, { allowPrivateWebhookHosts: false, hashPassword: (password) => hashPassword(password, 4) })
    await models.AdminUser.create({ email: 'admin@example.com', name: 'Alex', role: 'admin', password: PASSWORD })
    await models.AdminUser.create({ email: 'manager1@example.com', name: 'Maria', role: 'manager', password: PASSWORD })
    await models.AdminUser.create({ email: 'changer@example.com', name: 'Chris', role: 'manager', password: PASSWORD })
    const env = { DATABASE_URL: database.db.url, SESSION_SECRET: secret, LOGIN_MAX_FAILURES: '5', LOG_LEVEL: 'info' }
    ;[first, second] = await startServerProcesses(2, env)
  })
  after(async () => {
    first?.child.kill('SIGKILL')
    second?.child.kill('SIGKILL')
    await database?.drop()
  })

  test('a session started on one instance works on the other', async () => {
    const response = await login(first.url, 'admin@example.com', PASSWORD)
    assert.equal(response.status, 302)
    const cookie = response.headers.get('set-cookie')!.split(';')[0]
    const list = await fetch(`${second.url}${api.list('Client')}`, { headers: { cookie }, redirect: 'manual' })
    assert.equal(list.status, 200)
    assert.deepEqual((await list.json()).records, [])
  })

  test('concurrent saves of one version, one on each process: exactly one wins, every time (20 rounds)', async () => {
    const cookies = await Promise.all(
      [first, second].map(async ({ url }) => {
        const response = await fetch(`${url}/admin/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email: 'admin@example.com', password: PASSWORD }),
        })
        assert.equal(response.status, 302)
        return response.headers.get('set-cookie')!.split(';')[0]
      }),
    )
    const [manager] = (await database.db.sequelize.query(`SELECT id FROM admin_users WHERE email = 'admin@example.com'`, { type: QueryTypes.SELECT })) as { id: number }[]
    const created = await fetch(`${first.url}${api.new('Client')}`, {
      method: 'POST',
      headers: { cookie: cookies[0], 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(validClientForm({ managerId: String(manager.id) })),
    }).then((response) => response.json())
    const id = created.record.id
    const versionOf = async () =>
      ((await database.db.sequelize.query(`SELECT version, company FROM clients WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT })) as {
        version: number
        company: string
      }[])[0]

    for (let round = 0; round < 20; round += 1) {
      const { version } = await versionOf()
      const answers = await Promise.all(
        [first, second].map(({ url }, i) =>
          fetch(`${url}${api.record('Client', id, 'edit')}`, {
            method: 'POST',
            headers: { cookie: cookies[i], 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ company: `round ${round} on process ${i}`, version: String(version) }),
          }).then((response) => response.json()),
        ),
      )
      const winners = answers.filter((answer) => answer.notice.type === 'success')
      assert.equal(winners.length, 1, `round ${round}: ${answers.map((answer) => answer.notice.message).join(' | ')}`)
      const loser = answers.find((answer) => answer.notice.type !== 'success')
      assert.match(String(loser.record?.errors?.company?.message), /^Changed by admin@example\.com at /, `round ${round}: ${JSON.stringify(loser)}`)
      const now = await versionOf()
      assert.equal(now.version, version + 1)
      assert.equal(now.company, winners[0].record.params.company)
    }
  })

  test('an account locked out on one instance is refused by the other', async () => {
    for (let i = 0; i < 5; i += 1) assert.equal((await login(first.url, 'manager1@example.com', 'wrong-password')).status, 200)
    const refused = await login(second.url, 'manager1@example.com', PASSWORD)
    assert.notEqual(refused.status, 302)
    assert.match(await refused.text(), /Too many failed logins/)
  })

  test('a password changed on one instance ends the other sessions on the other instance too', async () => {
    const cookieFrom = async (url: string) => (await login(url, 'changer@example.com', PASSWORD)).headers.get('set-cookie')!.split(';')[0]
    const [here, elsewhere] = [await cookieFrom(first.url), await cookieFrom(second.url)]
    const listOn = (url: string, cookie: string) => fetch(`${url}${api.list('Client')}`, { headers: { cookie }, redirect: 'manual' }).then((response) => response.status)
    assert.equal(await listOn(second.url, elsewhere), 200)
    const changed = await fetch(`${first.url}/admin/api/account/password`, {
      method: 'POST',
      headers: { cookie: here, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: 'a-new-password-42', newPasswordConfirmation: 'a-new-password-42' }),
    })
    assert.equal(changed.status, 200, await changed.text())
    assert.equal(await listOn(second.url, elsewhere), 401, 'the session on the other instance ended')
    assert.equal(await listOn(first.url, here), 200, 'the session that changed it goes on')
  })

  test('SIGTERM during a request: the request completes, the process exits 0', async () => {
    // Failed logins are slowed down (0.5 s for the 5th), which makes a reliably slow request.
    for (let i = 0; i < 4; i += 1) await login(first.url, 'nobody@example.com', 'wrong-password')
    const started = Date.now()
    const slow = login(first.url, 'nobody@example.com', 'wrong-password')
    await new Promise((resolve) => setTimeout(resolve, 100))
    first.child.kill('SIGTERM')
    const response = await slow
    assert.ok(Date.now() - started >= 200, 'the request was in flight during SIGTERM')
    assert.ok([200, 400].includes(response.status), `completed with ${response.status}`)
    assert.equal(await first.exited, 0, first.output())
    assert.match(first.output(), /"msg":"stopped"/)
    const afterStop = await fetch(`${first.url}/health`).then(() => 'answered', () => 'refused')
    assert.equal(afterStop, 'refused')
  })
})

describe('WEB_CONCURRENCY=2: one port, two worker processes', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let supervised: ServerProcess
  const readyPids = () => [...supervised.output().matchAll(/"pid":(\d+)[^\n]*"msg":"panel ready"/g)].map((match) => Number(match[1]))
  /** A GET on a fresh connection: the supervisor hands each new connection to the next worker. */
  const getOnNewConnection = (path: string, cookie: string) =>
    new Promise<number>((resolve, reject) => {
      http.get(`${supervised.url}${path}`, { agent: false, headers: { cookie } }, (response) => {
        response.resume()
        resolve(response.statusCode!)
      }).on('error', reject)
    })

  before(async () => {
    database = await createTestDatabase()
    const models = defineModels(database.db.sequelize, { allowPrivateWebhookHosts: false, hashPassword: (password) => hashPassword(password, 4) })
    await models.AdminUser.create({ email: 'admin@example.com', name: 'Alex', role: 'admin', password: PASSWORD })
    // No SESSION_SECRET: outside production each start makes one, and both workers must share it.
    supervised = await startServerProcess({ DATABASE_URL: database.db.url, WEB_CONCURRENCY: '2', LOG_LEVEL: 'info' })
    // Two minutes: a loaded machine may take half a minute to start a worker.
    await eventually(async () => readyPids().length >= 2, 120_000)
  })
  after(async () => {
    supervised?.child.kill('SIGKILL')
    for (const pid of readyPids()) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    await database?.drop()
  })

  test('both workers serve the same sessions; a dead worker is replaced; SIGTERM stops them all', async () => {
    const workers = readyPids()
    assert.equal(new Set(workers).size, 2, supervised.output())
    assert.ok(!workers.includes(supervised.child.pid!), 'the workers are not the supervisor')

    const cookie = (await login(supervised.url, 'admin@example.com', PASSWORD)).headers.get('set-cookie')!.split(';')[0]
    const statuses = await Promise.all(Array.from({ length: 10 }, () => getOnNewConnection(api.list('Client'), cookie)))
    assert.deepEqual(statuses, Array(10).fill(200))

    process.kill(workers[0], 'SIGKILL')
    await eventually(async () => readyPids().length >= 3, 120_000)
    assert.equal(readyPids().length, 3, supervised.output())
    assert.match(supervised.output(), /worker died, starting another/)
    assert.equal(await getOnNewConnection(api.list('Client'), cookie), 200)

    supervised.child.kill('SIGTERM')
    assert.equal(await supervised.exited, 0, supervised.output())
    assert.match(supervised.output(), /all workers stopped/)
    for (const pid of readyPids().slice(1)) assert.throws(() => process.kill(pid, 0), 'worker exited too')
  })

  test('is refused without DATABASE_URL: the embedded database lives in one process', async () => {
    const child = spawn(process.execPath, [await serverEntry()], {
      env: { PATH: process.env.PATH!, WEB_CONCURRENCY: '2', DATA_DIR: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stderr!.on('data', (chunk) => (output += chunk))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    assert.equal(code, 1)
    assert.match(output, /WEB_CONCURRENCY above 1 needs DATABASE_URL/)
  })
})

describe('production settings', () => {
  test('cookies are Secure and HttpOnly behind a TLS-terminating proxy', async () => {
    const t = await startTestApp({ isProduction: true, trustProxy: '1', twoFactorKey: 'production-test-two-factor-key-0123456789' })
    try {
      const response = await request(t.app)
        .post('/admin/login')
        .set('X-Forwarded-Proto', 'https')
        .type('form')
        .send({ email: 'admin@example.com', password: PASSWORD })
      assert.equal(response.status, 302)
      const cookie = String(response.headers['set-cookie'])
      assert.match(cookie, /Secure/)
      assert.match(cookie, /HttpOnly/)
      assert.match(cookie, /Expires=/, 'sessions expire')
      assert.match(String(response.headers['content-security-policy']), /default-src 'self'/)
      assert.match(String(response.headers['strict-transport-security']), /max-age/)
    } finally {
      await t.close()
    }
  })

  test('a new session id on every login', async () => {
    const t = await startTestApp()
    try {
      const agent = request.agent(t.app)
      const sid = (response: request.Response) => String(response.headers['set-cookie']).split(';')[0]
      const firstLogin = await agent.post('/admin/login').type('form').send({ email: 'admin@example.com', password: PASSWORD })
      const secondLogin = await agent.post('/admin/login').type('form').send({ email: 'admin@example.com', password: PASSWORD })
      assert.notEqual(sid(firstLogin), sid(secondLogin))
      const stale = await request(t.app).get(api.list('Client')).set('Cookie', sid(firstLogin))
      assert.equal(stale.status, 302, 'the old session id is worthless')
    } finally {
      await t.close()
    }
  })
})

test('the database going away: requests fail cleanly, /health says 503, then it recovers by itself', async () => {
  const t = await startTestApp()
  try {
    const admin = await t.loginAs('admin@example.com')
    const before = await t.models.Client.count()
    if (t.db.embeddedServer) {
      await t.db.embeddedServer.restart()
    } else {
      const other = await createTestDatabase() // a second connection that survives the purge
      await other.db.sequelize.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )
      await other.drop()
      // Terminate the app's own connections to its database.
      const url = new URL(t.db.url)
      const killer = await createTestDatabase()
      await killer.db.sequelize.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name`, {
        replacements: { name: url.pathname.slice(1) },
      })
      await killer.drop()
    }
    // The first requests may hit dead connections: they must fail as JSON, never hang or crash.
    for (let i = 0; i < 3; i += 1) {
      const response = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
      assert.ok([200, 401, 500, 503].includes(response.status), `status ${response.status}`)
      if (response.status >= 500) assert.match(String(response.headers['content-type']), /json/)
    }
    const healthy = await eventually(async () => (await request(t.app).get('/health')).status === 200, 60_000)
    assert.ok(healthy, 'recovered without a restart')
    const relogged = await t.loginAs('admin@example.com')
    const created = await relogged.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1) }))
    assert.equal(created.body.notice.type, 'success')
    const afterCount = await t.models.Client.count()
    assert.ok(afterCount >= before + 1 && afterCount <= before + 4, 'every write either happened whole or not at all')
  } finally {
    await t.close()
  }
})

test('a full journey logs request ids but no password, hash, cookie or secret', async () => {
  const { db, config, drop } = await createTestDatabase()
  let captured = ''
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += chunk
      done()
    },
  })
  const app = await createApp({ ...config, logLevel: 'debug' }, db, createLogger({ logLevel: 'debug' }, sink))
  try {
    await app.models.AdminUser.create({ email: 'admin@example.com', name: 'Alex', role: 'admin', password: PASSWORD })
    const agent = request.agent(app.app)
    await agent.post('/admin/login').type('form').send({ email: 'admin@example.com', password: 'a-wrong-password' })
    const loginResponse = await agent.post('/admin/login').type('form').send({ email: 'admin@example.com', password: PASSWORD })
    const cookieValue = String(loginResponse.headers['set-cookie']).split(';')[0].split('=')[1]
    const created = await agent.post(api.new('Client')).type('form').send(validClientForm({ managerId: '1', password: 'client-password-77', passwordConfirmation: 'client-password-77' }))
    const id = created.body.record.id
    await agent.get(api.record('Client', id, 'show'))
    await agent.post(api.record('Client', id, 'edit')).type('form').send({ password: 'client-password-88', passwordConfirmation: 'client-password-88' })
    await agent.post(api.record('Client', id, 'edit')).type('form').send({ password: 'client-password-99', passwordConfirmation: 'mismatch-99' })
    await agent.post('/admin/logout')
    const hashes = (await app.models.AdminUser.scope('withSecrets').findAll()).map((user) => String(user.get('passwordHash')))
    assert.match(captured, /"reqId"|"req":\{"id"/, 'request ids are logged')
    for (const secret of [PASSWORD, 'a-wrong-password', 'client-password-77', 'client-password-88', 'client-password-99', decodeURIComponent(cookieValue), config.sessionSecret, ...hashes]) {
      assert.ok(!captured.includes(secret), `the log contains a secret: ${secret.slice(0, 6)}…`)
    }
    assert.doesNotMatch(captured, /\$2[aby]\$\d\d\$/, 'no bcrypt hash at all')
  } finally {
    await app.close()
    await drop()
  }
})
