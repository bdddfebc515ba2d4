import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import request from 'supertest'
import { registry, type ActionPreset } from '../src/resources/registry.js'
import { api, createClient, PASSWORD, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

type Agent = Awaited<ReturnType<TestApp['loginAs']>>
type Body = {
  notice?: { type: string; message: string }
  record?: { id?: number; params: Record<string, unknown>; errors: Record<string, { message: string }>; baseError?: { type: string } | null }
  records?: { id: number; params: Record<string, unknown> }[]
  meta?: { total: number }
}

const isRefused = (body: Body) =>
  body.notice?.type === 'error' && ['ForbiddenError', 'NotFoundError'].includes(String(body.record?.baseError?.type))

let t: TestApp
let admin: Agent
let manager1: Agent
let manager2: Agent
let counter = 0

const makeClient = (managerId: number, login = `row-${++counter}-${Date.now()}`) => createClient(t, login, { managerId, company: `Company of ${login}` })

const freshRecord: Record<string, (owner: number) => Promise<number>> = {
  Client: (owner) => makeClient(owner),
  AdminUser: async () =>
    Number((await t.models.AdminUser.create({ email: `user-${++counter}@example.com`, name: `User ${counter}`, role: 'manager', password: PASSWORD })).get('id')),
  Product: async () => Number((await t.models.Product.create({ code: `P-${++counter}`, name: `Plan ${counter}` })).get('id')),
  SenderName: async (owner) => Number((await t.models.SenderName.create({ clientId: await makeClient(owner), name: `S ${++counter}` })).get('id')),
}
/** A client of manager1's for new sender names (both roles post as themselves; manager1 owns it). */
let senderClient = 0

const newPayload: Record<string, () => Record<string, string>> = {
  Client: () => validClientForm({ managerId: String(t.ids.manager1) }),
  AdminUser: () => ({ email: `new-${++counter}@example.com`, name: 'New Person', role: 'manager', active: 'true', password: PASSWORD }),
  Product: () => ({ code: `NEW-${++counter}`, name: `New plan ${counter}`, active: 'true' }),
  SenderName: () => ({ clientId: String(senderClient), name: `N ${++counter}` }),
}

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
  senderClient = await makeClient(t.ids.manager1)
})
after(() => t.close())

describe('the role × resource × action matrix', () => {
  const actions = ['list', 'search', 'show', 'new', 'edit', 'delete', 'bulkDelete'] as const
  // What each preset of the registry promises; every resource that can be written is in the matrix
  // (one missing from freshRecord/newPayload fails here rather than going untested).
  const allowed: Record<Exclude<ActionPreset, 'readOnly'>, Record<'admin' | 'manager', readonly string[]>> = {
    staffEditAdminsDelete: { admin: actions, manager: ['list', 'search', 'show', 'new', 'edit'] },
    adminsOnly: { admin: actions, manager: [] },
  }
  const writable = registry.filter((entry) => entry.actions !== 'readOnly')

  test('every writable resource has test data', () => {
    for (const { definition } of writable) {
      assert.ok(freshRecord[definition.name] && newPayload[definition.name], `add ${definition.name} to freshRecord and newPayload`)
    }
  })

  for (const role of ['admin', 'manager'] as const) {
    for (const { definition, actions: preset } of writable) {
      const resource = definition.name
      for (const action of actions) {
        const expected = allowed[preset as keyof typeof allowed][role].includes(action)
        test(`${role} ${expected ? 'may' : 'may not'} ${action} ${resource}`, async () => {
          const agent = role === 'admin' ? admin : manager1
          const ownId = role === 'admin' ? t.ids.manager2 : t.ids.manager1
          const id = await freshRecord[resource](ownId)
          const before = await t.models[resource as 'Client'].count()
          let response: request.Response
          switch (action) {
            case 'list':
              response = await agent.get(api.list(resource))
              break
            case 'search':
              response = await agent.get(api.search(resource, ''))
              break
            case 'show':
              response = await agent.get(api.record(resource, id, 'show'))
              break
            case 'new':
              response = await agent.post(api.new(resource)).type('form').send(newPayload[resource]())
              break
            case 'edit':
              response = await agent.post(api.record(resource, id, 'edit')).type('form').send({ name: 'Renamed', company: 'Renamed' })
              break
            case 'delete':
              response = await agent.post(api.record(resource, id, 'delete'))
              break
            case 'bulkDelete':
              response = await agent.post(api.bulk(resource, 'bulkDelete', [id]))
              break
          }
          assert.equal(response.status, 200, `${action} answers 200 with a notice, never a 500`)
          const body = response.body as Body
          const after = await t.models[resource as 'Client'].count()
          if (expected) {
            assert.notEqual(body.notice?.type, 'error', `${role} ${action} ${resource}: ${JSON.stringify(body.notice)} ${JSON.stringify(body.record?.errors)}`)
            if (action === 'list' || action === 'search') assert.ok((body.records ?? []).length > 0)
            if (action === 'new') assert.equal(after, before + 1)
            if (action === 'delete' || action === 'bulkDelete') assert.equal(after, before - 1)
          } else {
            assert.ok(isRefused(body), `${role} ${action} ${resource} must be refused: ${JSON.stringify(body).slice(0, 300)}`)
            assert.deepEqual(body.records ?? [], [])
            assert.deepEqual(body.record?.params ?? {}, {}, 'no data in a refusal')
            if (action === 'list') assert.equal(body.meta?.total, 0)
            assert.equal(after, before, 'nothing changed')
          }
        })
      }
    }
  }
})

describe("a manager and another manager's clients", () => {
  let othersClient: number
  let ownClient: number
  const othersLogin = 'zeta-secret-client'

  before(async () => {
    othersClient = await makeClient(t.ids.manager2, othersLogin)
    ownClient = await makeClient(t.ids.manager1, 'alpha-own-client')
  })

  const assertNoLeak = (response: request.Response) => {
    assert.equal(response.status, 200)
    assert.ok(isRefused(response.body), JSON.stringify(response.body).slice(0, 300))
    assert.doesNotMatch(response.text, new RegExp(othersLogin))
  }

  test('show, edit (GET and POST) and delete by a typed-in id are refused without a leak', async () => {
    assertNoLeak(await manager1.get(api.record('Client', othersClient, 'show')))
    assertNoLeak(await manager1.get(api.record('Client', othersClient, 'edit')))
    assertNoLeak(await manager1.post(api.record('Client', othersClient, 'edit')).type('form').send({ company: 'Hijacked' }))
    assertNoLeak(await manager1.post(api.record('Client', othersClient, 'delete')))
    const row = await t.models.Client.findByPk(othersClient)
    assert.equal(row?.get('company'), `Company of ${othersLogin}`)
  })

  test('bulk delete with a foreign id is refused and deletes nothing', async () => {
    const response = await manager1.post(api.bulk('Client', 'bulkDelete', [ownClient, othersClient]))
    assert.equal(response.body.notice?.type, 'error')
    assert.ok(await t.models.Client.findByPk(othersClient))
    assert.ok(await t.models.Client.findByPk(ownClient))
  })

  test('list, counts and filters only ever see their own clients', async () => {
    const all = await manager1.get(api.list('Client')).query({ perPage: 500 })
    const ownCount = await t.models.Client.count({ where: { managerId: t.ids.manager1 } })
    assert.equal(all.body.meta.total, ownCount)
    assert.ok(all.body.records.every((record: { params: { managerId: number } }) => record.params.managerId === t.ids.manager1))
    const filteredByManager = await manager1.get(api.list('Client')).query({ 'filters.managerId': t.ids.manager2 })
    assert.equal(filteredByManager.body.meta.total, 0)
    const filteredByLogin = await manager1.get(api.list('Client')).query({ 'filters.login': 'zeta' })
    assert.equal(filteredByLogin.body.meta.total, 0)
    assert.doesNotMatch(filteredByLogin.text, /zeta-secret/)
  })

  test('the search action behind reference selects finds only their own clients', async () => {
    const response = await manager1.get(api.search('Client', 'zeta'))
    assert.deepEqual(response.body.records, [])
    const own = await manager1.get(api.search('Client', 'alpha-own'))
    assert.equal(own.body.records.length, 1)
  })

  test('the Manager choices of a reference select are for admins only', async () => {
    const refused = await manager1.get('/admin/api/resources/Client/actions/referenceChoices').query({ property: 'managerId' })
    assert.equal(refused.body.notice?.type, 'error')
    const products = await manager1.get('/admin/api/resources/Client/actions/referenceChoices').query({ property: 'productId' })
    const productNames = products.body.choices.map((choice: { label: string }) => choice.label)
    assert.ok(productNames.includes('Business'))
    assert.ok(!productNames.includes('Legacy'), 'only active products')
    const managers = await admin.get('/admin/api/resources/Client/actions/referenceChoices').query({ property: 'managerId', query: 'man' })
    assert.deepEqual(managers.body.choices.map((choice: { label: string }) => choice.label), ['Maria Manager', 'Mark Manager'])
  })
})

describe('the Manager field', () => {
  test('a manager creating a client becomes its Manager, whatever the request says', async () => {
    const response = await manager1.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(t.ids.manager2) }))
    assert.equal(response.body.notice.type, 'success', JSON.stringify(response.body.record?.errors))
    const row = await t.models.Client.findByPk(response.body.record.id)
    assert.equal(row?.get('managerId'), t.ids.manager1)
  })

  test('a manager cannot hand their client to another manager', async () => {
    const id = await makeClient(t.ids.manager1)
    const response = await manager1.post(api.record('Client', id, 'edit')).type('form').send({ managerId: String(t.ids.manager2) })
    assert.equal(response.body.notice.type, 'error')
    assert.match(response.body.record.errors.managerId.message, /administrator/)
    assert.equal((await t.models.Client.findByPk(id))?.get('managerId'), t.ids.manager1)
  })

  test('an admin can hand a client to another manager', async () => {
    const id = await makeClient(t.ids.manager1)
    const response = await admin.post(api.record('Client', id, 'edit')).type('form').send({ managerId: String(t.ids.manager2) })
    assert.equal(response.body.notice.type, 'success')
    assert.equal((await t.models.Client.findByPk(id))?.get('managerId'), t.ids.manager2)
  })

  test('an inactive admin user cannot be chosen as Manager', async () => {
    const inactive = await t.models.AdminUser.create({ email: `off-${Date.now()}@example.com`, name: 'Off', role: 'manager', active: false, password: PASSWORD })
    const response = await admin.post(api.new('Client')).type('form').send(validClientForm({ managerId: String(inactive.get('id')) }))
    assert.equal(response.body.notice.type, 'error')
    assert.match(response.body.record.errors.managerId.message, /inactive/)
  })
})

describe('own account and the last administrator', () => {
  test('nobody changes their own role or active flag', async () => {
    const response = await admin.post(api.record('AdminUser', t.ids.admin, 'edit')).type('form').send({ role: 'manager', active: 'false' })
    assert.equal(response.body.notice.type, 'error')
    assert.ok(response.body.record.errors.role)
    assert.ok(response.body.record.errors.active)
    const row = await t.models.AdminUser.findByPk(t.ids.admin)
    assert.equal(row?.get('role'), 'admin')
    assert.equal(row?.get('active'), true)
  })

  test('the last active administrator cannot be demoted, deactivated or deleted, even by a script', async () => {
    await assert.rejects(t.models.AdminUser.update({ role: 'manager' }, { where: { id: t.ids.admin } }), /last active administrator/)
    await assert.rejects(t.models.AdminUser.update({ active: false }, { where: { id: t.ids.admin } }), /last active administrator/)
    const row = await t.models.AdminUser.findByPk(t.ids.admin)
    await assert.rejects(row!.destroy(), /last active administrator/)
    assert.equal((await t.models.AdminUser.findByPk(t.ids.admin))?.get('role'), 'admin')
  })
})

describe('rights follow the database, not the session', () => {
  test('a deactivated manager loses access at their next request', async () => {
    const email = `temp-${Date.now()}@example.com`
    const user = await t.models.AdminUser.create({ email, name: 'Temp', role: 'manager', password: PASSWORD })
    const agent = await t.loginAs(email)
    assert.equal((await agent.get(api.list('Client'))).status, 200)
    const response = await admin.post(api.record('AdminUser', Number(user.get('id')), 'edit')).type('form').send({ active: 'false' })
    assert.equal(response.body.notice.type, 'success')
    const next = await agent.get(api.list('Client'))
    assert.equal(next.status, 401)
    assert.equal((await agent.get(api.list('Client'))).status, 302, 'the session is gone')
  })

  test('a demoted admin loses admin rights at their next request', async () => {
    const email = `second-admin-${Date.now()}@example.com`
    const user = await t.models.AdminUser.create({ email, name: 'Second Admin', role: 'admin', password: PASSWORD })
    const agent = await t.loginAs(email)
    assert.notEqual((await agent.get(api.list('AdminUser'))).body.notice?.type, 'error')
    const response = await admin.post(api.record('AdminUser', Number(user.get('id')), 'edit')).type('form').send({ role: 'manager' })
    assert.equal(response.body.notice.type, 'success')
    const next = await agent.get(api.list('AdminUser'))
    assert.ok(isRefused(next.body))
  })
})

describe('login hardening', () => {
  test('ten wrong passwords lock one account for a while; other accounts are unaffected', async () => {
    const email = `locked-${Date.now()}@example.com`
    await t.models.AdminUser.create({ email, name: 'Locked', role: 'manager', password: PASSWORD })
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await request(t.app).post('/admin/login').type('form').send({ email, password: `wrong-${attempt}` })
      assert.notEqual(response.status, 302)
    }
    const locked = await request(t.app).post('/admin/login').type('form').send({ email, password: PASSWORD })
    assert.notEqual(locked.status, 302, 'even the right password is refused while locked')
    assert.match(locked.text, /Too many failed logins for this account/)
    const other = await request(t.app).post('/admin/login').type('form').send({ email: 'manager2@example.com', password: PASSWORD })
    assert.equal(other.status, 302)
  })
})

test('one address that keeps failing is refused for a while, other addresses are not', async () => {
  const app = await startTestApp({ trustProxy: '1', loginMaxFailures: 2 })
  try {
    const attempt = (ip: string, email: string, password: string) =>
      request(app.app).post('/admin/login').set('X-Forwarded-For', ip).type('form').send({ email, password })
    for (let i = 0; i < 10; i += 1) await attempt('203.0.113.9', `nobody-${i}@example.com`, 'wrong-password')
    const blocked = await attempt('203.0.113.9', 'admin@example.com', PASSWORD)
    assert.equal(blocked.status, 429)
    assert.match(blocked.text, /Too many failed logins from your address/)
    const elsewhere = await attempt('198.51.100.7', 'admin@example.com', PASSWORD)
    assert.equal(elsewhere.status, 302)
  } finally {
    await app.close()
  }
})
