import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { MAX_PER_PAGE } from '../src/panel/list-query.js'
import { api, createClient, PASSWORD, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

// Issue 21, items 4, 5, 6, 7 and 9: what a list query, an action's answer, a page and a webhook
// URL may carry, and the same rules on the bulk path. Everything through the panel's own routes.

type Agent = Awaited<ReturnType<TestApp['loginAs']>>

let t: TestApp
let admin: Agent
let manager1: Agent
let counter = 0

const makeClient = (managerId: number, extra: Record<string, unknown> = {}) => createClient(t, `hd-${++counter}-${Date.now()}`, { managerId, ...extra })

const makeUser = async (role = 'manager') =>
  Number((await t.models.AdminUser.create({ email: `hd-user-${++counter}@example.com`, name: `Hd User ${counter}`, role, password: PASSWORD })).get('id'))
const makeProduct = async () => Number((await t.models.Product.create({ code: `HD-${++counter}`, name: `Hd plan ${counter}` })).get('id'))

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  await makeClient(t.ids.manager1)
})
after(() => t.close())

describe('4. secrets cannot be filtered, searched or sorted on', () => {
  const secrets = ['passwordHash', 'password', 'passwordConfirmation']

  for (const resource of ['Client', 'AdminUser']) {
    for (const field of secrets) {
      test(`${resource}.${field}: filter, range filter, search and sort are a 400 naming the field`, async () => {
        const agents = resource === 'Client' ? [admin, manager1] : [admin]
        for (const agent of agents) {
          const refused = [
            [await agent.get(api.list(resource)).query({ [`filters.${field}`]: '$2b$' }), `You cannot filter by ${field}`],
            [await agent.get(api.list(resource)).query({ [`filters.${field}~~from`]: '$2b$12$' }), `You cannot filter by ${field}`],
            [await agent.get(api.list(resource)).query({ [`filters.${field}~~to`]: '$2b$12$zzz' }), `You cannot filter by ${field}`],
            [await agent.get(api.list(resource)).query({ sortBy: field, direction: 'asc' }), `You cannot sort by ${field}`],
            [await agent.get(api.search(resource, '$2b$')).query({ searchProperty: field }), `You cannot search by ${field}`],
            [await agent.get(api.search(resource, '')).query({ [`filters.${field}~~from`]: '$2b$12$' }), `You cannot filter by ${field}`],
            [await agent.get(api.search(resource, '')).query({ sortBy: field }), `You cannot sort by ${field}`],
          ] as const
          for (const [response, message] of refused) {
            assert.equal(response.status, 400, `${(response as unknown as { req: { path: string } }).req.path}: ${response.status} ${response.text.slice(0, 200)}`)
            assert.deepEqual(response.body, { error: message })
          }
        }
      })
    }
  }

  test('fields the list does not offer are refused on every resource; offered ones still work', async () => {
    const refused: [string, Record<string, string>, string][] = [
      ['Client', { 'filters.comment': 'x' }, 'You cannot filter by comment'],
      ['Client', { 'filters.nope': 'x' }, 'You cannot filter by nope'],
      ['Client', { sortBy: 'updatedAt' }, 'You cannot sort by updatedAt'],
      ['Product', { 'filters.description': 'x' }, 'You cannot filter by description'],
      ['ChangeHistory', { 'filters.changes': 'x' }, 'You cannot filter by changes'],
      ['ChangeHistory', { sortBy: 'summary' }, 'You cannot sort by summary'],
      ['AdminUser', { 'filters.passwordHash.length': '60' }, 'You cannot filter by passwordHash.length'],
    ]
    for (const [resource, query, message] of refused) {
      const response = await admin.get(api.list(resource)).query(query)
      assert.equal(response.status, 400, `${resource} ${JSON.stringify(query)}: ${response.status}`)
      assert.deepEqual(response.body, { error: message })
    }
    const offered: [string, Record<string, string>][] = [
      ['Client', { 'filters.login': 'hd-', sortBy: 'email', direction: 'desc' }],
      ['Client', { 'filters.createdAt~~from': '2000-01-01', 'filters.managerId': String(t.ids.manager1) }],
      ['AdminUser', { 'filters.email': 'manager1', sortBy: 'role' }],
      ['Product', { 'filters.code': 'OLD', 'filters.active': 'false' }],
      ['ChangeHistory', { 'filters.resource': 'Client', 'filters.action': 'create', sortBy: 'createdAt' }],
    ]
    for (const [resource, query] of offered) {
      const response = await admin.get(api.list(resource)).query(query)
      assert.equal(response.status, 200, `${resource} ${JSON.stringify(query)}: ${response.text.slice(0, 200)}`)
      assert.ok(response.body.meta.total >= 1, `${resource} ${JSON.stringify(query)} finds something`)
    }
    const badDate = await admin.get(api.list('Client')).query({ 'filters.createdAt~~from': 'not-a-date' })
    assert.equal(badDate.status, 200, 'a value that is no date matches nothing, it is not a server error')
    assert.equal(badDate.body.meta.total, 0)
  })
})

describe("5. an action's answer carries only what its user may see", () => {
  const referenceShape = (populated: Record<string, unknown>) => {
    assert.deepEqual(Object.keys(populated).sort(), ['baseError', 'bulkActions', 'errors', 'id', 'params', 'populated', 'recordActions', 'title'])
    assert.deepEqual(populated.params, { id: populated.id })
  }
  const inactiveProduct = /Legacy|"OLD"/

  test("a manager's failed new with an inactive product: no product, and the manager as id + title at most", async () => {
    const attempts = [
      validClientForm({ productId: String(t.ids.productInactive) }), // refused for the product alone
      { ...validClientForm({ productId: String(t.ids.productInactive) }), email: 'not-an-address' }, // and a field error
      { login: 'x', productId: String(t.ids.productInactive), managerId: String(t.ids.admin) },
    ]
    for (const form of attempts) {
      const response = await manager1.post(api.new('Client')).type('form').send(form)
      assert.equal(response.body.notice.type, 'error', JSON.stringify(response.body.record?.errors))
      assert.doesNotMatch(response.text, inactiveProduct, 'nothing of the inactive product')
      assert.equal(response.body.record.populated.productId, undefined)
      assert.doesNotMatch(response.text, /manager1@example\.com|admin@example\.com|Alex Admin/, 'no manager row')
      const manager = response.body.record.populated.managerId
      if (manager) referenceShape(manager)
      for (const action of response.body.record.recordActions ?? []) assert.equal(action.layout, undefined)
    }
  })

  test("a manager's failed edit of their own client shows nothing of a product they typed in", async () => {
    const id = await makeClient(t.ids.manager1, { productId: t.ids.productActive })
    const response = await manager1.post(api.record('Client', id, 'edit')).type('form').send({ productId: String(t.ids.productInactive) })
    assert.equal(response.body.notice.type, 'error')
    assert.match(response.body.record.errors.productId.message, /inactive/)
    assert.doesNotMatch(response.text, inactiveProduct)
    assert.doesNotMatch(response.text, /manager1@example\.com/)
    // What is stored is still shown as before.
    const show = (await manager1.get(api.record('Client', id, 'show'))).body.record
    assert.equal(show.populated.productId.title, 'Business')
    referenceShape(show.populated.productId)
  })

  test('an administrator sees the referenced rows, as id + title only, in every answer', async () => {
    const failed = await admin.post(api.new('Client')).type('form').send({ login: 'y', productId: String(t.ids.productInactive), managerId: String(t.ids.manager1) })
    assert.equal(failed.body.notice.type, 'error')
    assert.equal(failed.body.record.populated.productId.title, 'Legacy')
    referenceShape(failed.body.record.populated.productId)
    referenceShape(failed.body.record.populated.managerId)
    assert.doesNotMatch(failed.text, /"OLD"|manager1@example\.com/)

    const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), productId: String(t.ids.productActive) }))
    assert.equal(created.body.notice.type, 'success')
    const id = created.body.record.id
    const answers = [
      created,
      await admin.get(api.record('Client', id, 'show')),
      await admin.get(api.record('Client', id, 'edit')),
      await admin.post(api.record('Client', id, 'edit')).type('form').send({ company: 'Shaped Ltd' }),
      await admin.get(api.bulk('Client', 'bulkDelete', [id])),
      await admin.get(api.record('Client', id, 'delete')),
    ]
    for (const response of answers) {
      const records = response.body.records ?? [response.body.record]
      for (const record of records) {
        referenceShape(record.populated.managerId)
        referenceShape(record.populated.productId)
        for (const action of [...record.recordActions, ...record.bulkActions]) {
          assert.equal(action.layout, undefined, `${(response as unknown as { req: { path: string } }).req.path}: ${action.name}`)
        }
      }
      assert.doesNotMatch(response.text, /"BUSINESS"|manager1@example\.com/, (response as unknown as { req: { path: string } }).req.path)
    }
  })
})

describe('6. one page-size cap for list, search, reference choices and history', () => {
  before(async () => {
    await t.db.sequelize.query(
      `INSERT INTO clients (login, password_hash, manager_id, email, company)
       SELECT 'cap-' || n, '$2b$04$abcdefghijklmnopqrstuuJk9Uo5m6n7Q0R1S2T3U4V5W6X7Y8Z9a', :manager, 'cap' || n || '@example.com', 'Cap Co'
       FROM generate_series(1, :rows) AS n`,
      { replacements: { manager: t.ids.manager1, rows: MAX_PER_PAGE + 30 } },
    )
    await t.db.sequelize.query(
      `INSERT INTO products (code, name, active) SELECT 'CAP-' || n, 'Cap plan ' || n, true FROM generate_series(1, :rows) AS n`,
      { replacements: { rows: MAX_PER_PAGE + 30 } },
    )
  })

  test(`no answer holds more than ${MAX_PER_PAGE} rows, whatever perPage asks`, async () => {
    const search = await admin.get(api.search('Client', 'cap-')).query({ perPage: 30000 })
    assert.equal(search.status, 200)
    assert.equal(search.body.records.length, MAX_PER_PAGE)
    const managerSearch = await manager1.get(api.search('Client', '')).query({ perPage: 30000 })
    assert.equal(managerSearch.body.records.length, MAX_PER_PAGE)

    const list = await admin.get(api.list('Client')).query({ perPage: 30000 })
    assert.equal(list.body.records.length, MAX_PER_PAGE)
    assert.equal(list.body.meta.perPage, MAX_PER_PAGE)

    const history = await admin.get(api.list('ChangeHistory')).query({ perPage: 30000 })
    assert.ok(history.body.meta.total > MAX_PER_PAGE, 'the history has more entries than a page')
    assert.equal(history.body.records.length, MAX_PER_PAGE)

    const choices = await manager1.get('/admin/api/resources/Client/actions/referenceChoices').query({ property: 'productId', query: 'cap plan', perPage: 30000 })
    assert.equal(choices.status, 200)
    assert.ok(choices.body.choices.length > 0 && choices.body.choices.length <= MAX_PER_PAGE)
  })
})

describe('7. webhook URLs must name a public host', () => {
  const refused = [
    'http://[::ffff:127.0.0.1]/dlr',
    'http://[::ffff:169.254.169.254]/latest/meta-data',
    'http://localhost./dlr',
    'http://[::7f00:1]/dlr',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
    'http://[fec0::1]/dlr',
    'http://198.18.0.1/dlr',
    'http://metadata.google.internal/computeMetadata/v1/',
    // and their neighbours
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://metadata/computeMetadata/v1/',
    'http://0x7f.1/dlr',
    'http://2130706433/dlr',
    'http://[::]/dlr',
    'http://0.0.0.0/dlr',
    'http://100.64.0.1/dlr',
    'http://[2002:7f00:1::]/dlr',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/dlr',
    'http://[fd00::1]/dlr',
    'http://printer.local/dlr',
    'http://api.localhost./dlr',
  ]

  test('each is refused with a field error, on new and on edit', async () => {
    const id = await makeClient(t.ids.manager1, { apiDlrUrl: 'https://hooks.example.com/dlr' })
    for (const url of refused) {
      const created = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager1), restMoUrl: url }))
      assert.equal(created.body.notice.type, 'error', `${url} accepted on new`)
      assert.match(created.body.record.errors.restMoUrl?.message ?? '', /localhost or a private network address/, url)
      const edited = await manager1.post(api.record('Client', id, 'edit')).type('form').send({ apiDlrUrl: url })
      assert.equal(edited.body.notice.type, 'error', `${url} accepted on edit`)
      assert.match(edited.body.record.errors.apiDlrUrl?.message ?? '', /localhost or a private network address/, url)
    }
    assert.equal((await t.models.Client.findByPk(id))?.get('apiDlrUrl'), 'https://hooks.example.com/dlr')
    const publicHost = await manager1.post(api.record('Client', id, 'edit')).type('form').send({ apiDlrUrl: 'https://[2606:4700::6810:84e5]/dlr' })
    assert.equal(publicHost.body.notice.type, 'success', JSON.stringify(publicHost.body.record.errors))
  })
})

describe('9. every rule of a record action holds on its bulk form', () => {
  const refusedWith = (response: { body: { notice?: { type: string; message: string } } }, message: RegExp) => {
    assert.equal(response.body.notice?.type, 'error', JSON.stringify(response.body).slice(0, 300))
    assert.match(response.body.notice!.message, message)
  }
  const exists = async (model: 'AdminUser' | 'Product' | 'Client', id: number) => Boolean(await t.models[model].findByPk(id))

  test('own account: delete and bulkDelete refused, alone or among others; nothing deleted', async () => {
    await makeUser('admin') // so the last-administrator rule is not what refuses
    const other = await makeUser()
    refusedWith(await admin.post(api.record('AdminUser', t.ids.admin, 'delete')), /You cannot delete your own account/)
    refusedWith(await admin.post(api.bulk('AdminUser', 'bulkDelete', [t.ids.admin])), /You cannot delete your own account/)
    refusedWith(await admin.post(api.bulk('AdminUser', 'bulkDelete', [other, t.ids.admin])), /You cannot delete your own account/)
    assert.ok(await exists('AdminUser', t.ids.admin))
    assert.ok(await exists('AdminUser', other), 'all or nothing')
    assert.equal((await admin.get(api.list('AdminUser'))).status, 200, 'still logged in')
  })

  test('a user still managing clients: delete and bulkDelete refused; nothing deleted', async () => {
    const busy = await makeUser()
    await makeClient(busy)
    const idle = await makeUser()
    refusedWith(await admin.post(api.record('AdminUser', busy, 'delete')), /still used/)
    refusedWith(await admin.post(api.bulk('AdminUser', 'bulkDelete', [idle, busy])), /still used/)
    assert.ok(await exists('AdminUser', busy))
    assert.ok(await exists('AdminUser', idle), 'all or nothing')
    const ok = await admin.post(api.bulk('AdminUser', 'bulkDelete', [idle]))
    assert.equal(ok.body.notice.type, 'success')
    assert.ok(!(await exists('AdminUser', idle)))
  })

  test('a product still assigned: delete and bulkDelete refused; nothing deleted', async () => {
    const used = await makeProduct()
    await makeClient(t.ids.manager1, { productId: used })
    const unused = await makeProduct()
    refusedWith(await admin.post(api.record('Product', used, 'delete')), /still used/)
    refusedWith(await admin.post(api.bulk('Product', 'bulkDelete', [unused, used])), /still used/)
    assert.ok(await exists('Product', used))
    assert.ok(await exists('Product', unused), 'all or nothing')
  })

  test("a manager's own client: delete and bulkDelete refused; an administrator's bulk delete works", async () => {
    const own = await makeClient(t.ids.manager1)
    const second = await makeClient(t.ids.manager1)
    assert.equal((await manager1.post(api.record('Client', own, 'delete'))).body.notice.type, 'error')
    assert.equal((await manager1.post(api.bulk('Client', 'bulkDelete', [own]))).body.notice.type, 'error')
    assert.ok(await exists('Client', own))
    const deleted = await admin.post(api.bulk('Client', 'bulkDelete', [own, second]))
    assert.equal(deleted.body.notice.type, 'success')
    assert.ok(!(await exists('Client', own)) && !(await exists('Client', second)))
  })

  test('own role and active flag: refused through the model, whatever the path', async () => {
    const response = await admin.post(api.record('AdminUser', t.ids.admin, 'edit')).type('form').send({ role: 'manager', active: 'false' })
    assert.equal(response.body.notice.type, 'error')
    assert.match(response.body.record.errors.role.message, /your own role/)
    assert.match(response.body.record.errors.active.message, /your own active flag/)
    const row = await t.models.AdminUser.findByPk(t.ids.admin)
    assert.equal(row?.get('role'), 'admin')
    assert.equal(row?.get('active'), true)
  })

  test('two administrators removing each other at once leave one of them', async () => {
    const emails = [`hd-a-${Date.now()}@example.com`, `hd-b-${Date.now()}@example.com`]
    const [a, b] = await Promise.all(
      emails.map(async (email) => Number((await t.models.AdminUser.create({ email, name: email, role: 'admin', password: PASSWORD })).get('id'))),
    )
    // Only these two stay active administrators (the last test: the other sessions are not needed after it).
    const others = await t.models.AdminUser.findAll({ where: { role: 'admin', active: true } })
    for (const user of others) if (![a, b].includes(Number(user.get('id')))) await user.update({ active: false })
    const [agentA, agentB] = await Promise.all(emails.map((email) => t.loginAs(email)))
    await Promise.all([agentA.post(api.bulk('AdminUser', 'bulkDelete', [b])), agentB.post(api.bulk('AdminUser', 'bulkDelete', [a]))])
    assert.ok((await exists('AdminUser', a)) || (await exists('AdminUser', b)), 'an administrator is left')
  })
})
