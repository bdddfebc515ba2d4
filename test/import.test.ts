import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { stringify } from 'csv-stringify/sync'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { api, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

// POST /admin/imports/Client: CSV import with a dry run, a per-row report and all-or-nothing apply (issue #16).

const IMPORT = '/admin/imports/Client'
const EXPORT = '/admin/exports/Client.csv'

let t: TestApp
let admin: request.Agent
let manager1: request.Agent

const csv = (rows: (string | number)[][]) => stringify(rows.map((row) => row.map(String)), { record_delimiter: 'windows' })

async function upload(agent: request.Agent | ReturnType<typeof request>, body: string | Buffer, dryRun: '0' | '1') {
  return (agent as request.Agent).post(IMPORT).field('dryRun', dryRun).attach('file', Buffer.isBuffer(body) ? body : Buffer.from(body), { filename: 'clients.csv', contentType: 'text/csv' })
}

const count = async (sql: string) => ((await t.db.sequelize.query(sql, { type: QueryTypes.SELECT })) as { n: number }[])[0].n
const clientCount = () => count('SELECT count(*)::int AS n FROM clients')
const historyCount = () => count('SELECT count(*)::int AS n FROM change_history')

async function createClient(agent: request.Agent, overrides: Record<string, string> = {}) {
  const form = validClientForm({ managerId: String(t.ids.manager1), ...overrides })
  const response = await agent.post(api.new('Client')).type('form').send(form)
  assert.equal(response.status, 200, JSON.stringify(response.body))
  assert.ok(response.body.record?.id, JSON.stringify(response.body.record?.errors))
  return { id: Number(response.body.record.id), login: form.login }
}

const HEADER = ['Login', 'Password', 'Manager', 'E-mail', 'Currency', 'Phone', 'Product']
const newRow = (login: string, overrides: Partial<Record<string, string>> = {}) => {
  const row = { Login: login, Password: 'secret-password-1', Manager: 'manager1@example.com', 'E-mail': `${login}@example.com`, Currency: 'EUR', Phone: "'+4915112345678", Product: 'BUSINESS', ...overrides }
  return HEADER.map((name) => row[name as keyof typeof row] ?? '')
}

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
})
after(async () => {
  await t?.close()
})

describe('client import', () => {
  test('unauthenticated → 401, nothing saved', async () => {
    const response = await upload(request(t.app) as never, csv([HEADER, newRow('anon-1')]), '0')
    assert.equal(response.status, 401)
    assert.equal(await count(`SELECT count(*)::int AS n FROM clients WHERE login = 'anon-1'`), 0)
  })

  test('dry run writes nothing; apply writes exactly the counts; history names the import', async () => {
    const existing = await createClient(admin)
    const before = { clients: await clientCount(), history: await historyCount() }
    const file = csv([HEADER, newRow('import-a'), newRow('IMPORT-B'), newRow(existing.login.toUpperCase(), { Password: '', Currency: '', Product: '' })])
    const dry = await upload(admin, file, '1')
    assert.equal(dry.status, 200, JSON.stringify(dry.body))
    assert.deepEqual(
      { dryRun: dry.body.dryRun, total: dry.body.total, created: dry.body.created, updated: dry.body.updated, unchanged: dry.body.unchanged, failed: dry.body.failed },
      { dryRun: true, total: 3, created: 2, updated: 1, unchanged: 0, failed: 0 },
    )
    assert.deepEqual(dry.body.rows[0], { row: 1, login: 'import-a', action: 'create', errors: {} })
    assert.deepEqual({ clients: await clientCount(), history: await historyCount() }, before)

    const applied = await upload(admin, file, '0')
    assert.equal(applied.status, 200, JSON.stringify(applied.body))
    assert.equal(applied.body.created, 2)
    assert.equal(applied.body.updated, 1)
    assert.equal(await clientCount(), before.clients + 2)
    const [created] = (await t.db.sequelize.query(`SELECT login, currency, phone, password_hash, manager_id, product_id, version FROM clients WHERE login = 'import-a'`, { type: QueryTypes.SELECT })) as any[]
    assert.equal(created.currency, 'EUR')
    assert.equal(created.phone, '+4915112345678', 'the neutralizing apostrophe is removed')
    assert.equal(created.manager_id, t.ids.manager1)
    assert.equal(created.product_id, t.ids.productActive)
    assert.match(created.password_hash, /^\$2[aby]\$/)
    const entries = (await t.db.sequelize.query(`SELECT DISTINCT operation, actor_email FROM change_history WHERE id > 0 AND operation LIKE 'import:%'`, { type: QueryTypes.SELECT })) as any[]
    assert.equal(entries.length, 1)
    assert.equal(entries[0].actor_email, 'admin@example.com')
    assert.equal(await count(`SELECT count(*)::int AS n FROM change_history WHERE operation = '${entries[0].operation}'`), 3)
    // The update left its empty password alone and kept the hash.
    const [updated] = (await t.db.sequelize.query(`SELECT password_hash, version FROM clients WHERE id = ${existing.id}`, { type: QueryTypes.SELECT })) as any[]
    assert.ok(updated.password_hash)
    assert.equal(updated.version, 2)
  })

  test('attribute names as header; an absent column is left alone, an empty cell empties the field', async () => {
    const existing = await createClient(admin, { company: 'Acme', skype: 'acme.ops' })
    const response = await upload(admin, csv([['login', 'company'], [existing.login, '']]), '0')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.equal(response.body.updated, 1)
    const [row] = (await t.db.sequelize.query(`SELECT company, skype FROM clients WHERE id = ${existing.id}`, { type: QueryTypes.SELECT })) as any[]
    assert.deepEqual(row, { company: null, skype: 'acme.ops' })
  })

  test('one bad row in 200 → nothing saved, that row named with its field', async () => {
    const before = await clientCount()
    const rows = Array.from({ length: 200 }, (_, i) => newRow(`bulk-${i}`, i === 136 ? { 'E-mail': 'not-an-email' } : {}))
    const response = await upload(admin, csv([HEADER, ...rows]), '0')
    assert.equal(response.status, 200)
    assert.equal(response.body.failed, 1)
    assert.equal(response.body.rows.length, 200)
    const bad = response.body.rows.find((row: any) => row.action === 'error')
    assert.equal(bad.row, 137)
    assert.ok(bad.errors.email, JSON.stringify(bad))
    assert.equal(await clientCount(), before)
  })

  test('each rule broken once → the error on that row and column', async () => {
    const existing = await createClient(admin, { currency: 'USD' })
    const header = ['Login', 'Password', 'Manager', 'E-mail', 'Currency', 'Time of dispatch (from)', 'Time of dispatch (to)', 'SMS priority', 'Product']
    const base = ['', 'secret-password-1', 'manager1@example.com', 'x@example.com', '', '', '', '0', '']
    const row = (changes: Record<number, string>) => base.map((cell, i) => changes[i] ?? cell)
    const file = csv([
      header,
      row({ 0: 'ok-rule-row' }),
      row({ 0: 'x' }), // login too short
      row({ 0: 'no-password', 1: '' }), // create needs a password
      row({ 0: 'bad-manager', 2: 'nobody@example.com' }),
      row({ 0: 'bad-mail', 3: 'nope' }),
      row({ 0: 'bad-currency', 4: 'XXX' }),
      row({ 0: 'half-window', 5: '09:00' }),
      row({ 0: 'bad-priority', 7: '9' }),
      row({ 0: 'old-product', 8: 'OLD' }),
      row({ 0: existing.login, 1: '', 4: 'EUR' }), // currency read-only once set
    ])
    const response = await upload(admin, file, '1')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    const errorsOf = (n: number) => response.body.rows[n - 1].errors
    assert.deepEqual(errorsOf(1), {})
    assert.ok(errorsOf(2).login)
    assert.equal(errorsOf(3).password, 'Password is required')
    assert.match(errorsOf(4).managerId, /does not exist/)
    assert.ok(errorsOf(5).email)
    assert.ok(errorsOf(6).currency)
    assert.ok(errorsOf(7).dispatchTo)
    assert.ok(errorsOf(8).smsPriority)
    assert.match(errorsOf(9).productId, /inactive/)
    assert.equal(errorsOf(10).currency, 'Currency cannot be changed once set')
    assert.equal(response.body.failed, 9)
  })

  test("a manager's file: other managers and other managers' clients refused on those rows", async () => {
    const theirs = await createClient(admin, { managerId: String(t.ids.manager2) })
    const file = csv([
      ['Login', 'Password', 'Manager', 'E-mail'],
      ['mine-new', 'secret-password-1', '', 'mine@example.com'],
      ['hand-over', 'secret-password-1', 'manager2@example.com', 'h@example.com'],
      [theirs.login, '', '', 'new@example.com'],
    ])
    const response = await upload(manager1, file, '0')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.equal(response.body.rows[0].action, 'create')
    // Said as of an unknown e-mail or a client that does not exist: nothing of another manager (issue #25).
    assert.equal(response.body.rows[1].errors.managerId, 'Not found or not yours')
    assert.deepEqual(response.body.rows[2].errors, { login: 'Not found or not yours' })
    assert.equal(await count(`SELECT count(*)::int AS n FROM clients WHERE login = 'mine-new'`), 0)
    const ok = await upload(manager1, csv([['Login', 'Password', 'E-mail'], ['mine-new', 'secret-password-1', 'mine@example.com']]), '0')
    assert.equal(ok.body.created, 1)
    assert.equal(await count(`SELECT manager_id AS n FROM clients WHERE login = 'mine-new'`), t.ids.manager1)
  })

  test('export → import: every row unchanged, nothing written; formula cells read back', async () => {
    await createClient(admin, { phone: '+49 151 12345678', comments: '=SUM(A1) "quoted", \nline', company: '-minus' })
    const exported = await admin.get(EXPORT).buffer(true)
    assert.equal(exported.status, 200)
    const before = await historyCount()
    const response = await upload(admin, exported.text, '0')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.equal(response.body.unchanged, response.body.total, JSON.stringify(response.body.rows.filter((row: any) => row.action !== 'unchanged')))
    // The export itself is on record; the import added nothing.
    assert.equal(await historyCount(), before)
  })

  test('bad files: clear message, nothing saved', async () => {
    const before = await clientCount()
    const cases: [string, string | Buffer, RegExp, number?][] = [
      ['not UTF-8', Buffer.concat([Buffer.from('Login,E-mail\r\nm'), Buffer.from([0xfc]), Buffer.from('ller,a@b.de\r\n')]), /UTF-8/],
      ['binary', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]), /not (a CSV|UTF-8)/],
      ['ragged', csv([HEADER, newRow('ragged-1')]) + 'ragged-2,only-two\r\n', /Line 3 has 2 cells/],
      ['duplicate logins', csv([HEADER, newRow('dup-1'), newRow('DUP-1')]), /repeated: "DUP-1" \(rows 1 and 2\)/],
      ['empty', '', /empty/],
      ['header only', csv([HEADER]), /no rows/],
      ['unknown column', csv([[...HEADER, 'Shoe size'], [...newRow('unknown-1'), '42']]), /Unknown column: "Shoe size"/],
      ['no login column', csv([['E-mail'], ['a@example.com']]), /Missing required column: Login/],
    ]
    for (const [name, body, message, status = 400] of cases) {
      const response = await upload(admin, body, '0')
      assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`)
      assert.match(response.body.error, message, name)
    }
    assert.equal(await clientCount(), before)
  })

  test('too big and too many rows → refused', async () => {
    const small = await startTestApp({ importMaxBytes: 2048, importMaxRows: 3 })
    try {
      const agent = await small.loginAs('admin@example.com')
      const big = await upload(agent, csv([HEADER, ...Array.from({ length: 40 }, (_, i) => newRow(`big-${i}`))]), '0')
      assert.equal(big.status, 413)
      assert.match(big.body.error, /larger than/)
      const many = await upload(agent, csv([HEADER, ...Array.from({ length: 4 }, (_, i) => newRow(`many-${i}`))]), '0')
      assert.equal(many.status, 400)
      assert.match(many.body.error, /more than 3 rows/)
      assert.equal(await count.call(null, 'SELECT 0 AS n'), 0)
    } finally {
      await small.close()
    }
  })
})
