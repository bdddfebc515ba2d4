import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import request from 'supertest'
import { queryableFields } from '../src/panel/list-query.js'
import { ADMINJS_PATH_HEADER } from '../src/panel/adminjs-internals/fast-reads.js'
import { registry } from '../src/resources/registry.js'
import { api, createClient, startTestApp, type TestApp } from './helpers/harness.js'

// The hot reads (list, show, home page data) are answered in front of AdminJS's router
// (src/panel/adminjs-internals/fast-reads.ts). Each answer must be the one AdminJS's own route
// gives (asked with the bypass header), byte for byte once parsed: for every resource of the
// registry, both roles, and queries that filter, sort, search, page and refuse.

type Agent = Awaited<ReturnType<TestApp['loginAs']>>

let t: TestApp
let agents: [role: string, agent: Agent][]

before(async () => {
  t = await startTestApp()
  agents = [
    ['admin', await t.loginAs('admin@example.com')],
    ['manager', await t.loginAs('manager1@example.com')],
  ]
  // Rows of every kind for both managers: clients (and so their history), sender names.
  for (const [owner, managerId] of [['own', t.ids.manager1], ['other', t.ids.manager2]] as const) {
    for (let i = 0; i < 3; i += 1) {
      const clientId = await createClient(t, `fast-${owner}-${i}`, { managerId, company: `Fast ${owner} ${i}`, productId: t.ids.productActive })
      await t.models.SenderName.create({ clientId, name: `Fast ${owner[0]}${i}` })
    }
  }
  await t.models.Client.update({ company: 'Fast renamed' }, { where: { login: 'fast-own-1' } })
})
after(() => t.close())

/** The same GET answered by the fast path and by AdminJS's route: status and JSON. */
async function both(agent: Agent, path: string) {
  const fast = await agent.get(path)
  const adminjs = await agent.get(path).set(ADMINJS_PATH_HEADER, 'adminjs')
  return { fast, adminjs }
}

async function assertSame(agent: Agent, path: string, label: string, normalize: (body: any) => unknown = (body) => body) {
  const { fast, adminjs } = await both(agent, path)
  assert.equal(fast.headers[ADMINJS_PATH_HEADER], 'fast', `${label}: answered by the fast path`)
  assert.equal(adminjs.headers[ADMINJS_PATH_HEADER], undefined, `${label}: the header reaches AdminJS's route`)
  assert.equal(fast.status, adminjs.status, `${label}: status`)
  assert.deepEqual(normalize(fast.body), normalize(adminjs.body), `${label}: body`)
  return fast
}

/** A value of the first row for a filterable field, to filter on something that matches. */
function filterOn(filterable: ReadonlySet<string>, params: Record<string, unknown> | undefined) {
  for (const name of filterable) {
    const value = params?.[name]
    if (name !== 'createdAt' && (typeof value === 'string' || typeof value === 'number') && String(value).length) return [name, String(value)] as const
  }
  return undefined
}

describe('list and show answer as AdminJS does', () => {
  for (const { definition } of registry) {
    test(`${definition.name}, both roles`, async () => {
      const { filterable, sortable, searchable } = queryableFields(definition)
      for (const [role, agent] of agents) {
        const label = `${definition.name} as ${role}`
        const first = await assertSame(agent, api.list(definition.name), `${label}, page 1`)
        if (first.status !== 200) continue // a resource this role may not list: the same refusal
        const rows: { id: string; params: Record<string, unknown> }[] = first.body.records
        const queries = ['?page=2&perPage=10', '?perPage=25', '?page=0&perPage=abc', '?filters.noSuchField=1', '?sortBy=noSuchField']
        for (const field of [...sortable].slice(0, 3)) queries.push(`?sortBy=${field}&direction=asc`, `?sortBy=${field}&direction=desc&page=1`)
        if (searchable.length) queries.push('?q=fast', '?q=FAST&page=2&perPage=10', '?q=no-such-text-anywhere')
        const filter = filterOn(filterable, rows[0]?.params)
        if (filter) queries.push(`?filters.${filter[0]}=${encodeURIComponent(filter[1])}`, `?filters.${filter[0]}=${encodeURIComponent(filter[1])}&sortBy=id&direction=asc`)
        for (const query of queries) await assertSame(agent, `${api.list(definition.name)}${query}`, `${label} ${query}`)
        for (const row of rows.slice(0, 3)) await assertSame(agent, api.record(definition.name, row.id, 'show'), `${label}, show ${row.id}`)
        await assertSame(agent, api.record(definition.name, 999_999_999, 'show'), `${label}, show of a missing id`)
      }
    })
  }

  test("a record outside the manager's scope: the same refusal on both paths", async () => {
    const manager = agents[1][1]
    const others = await t.models.Client.findOne({ where: { login: 'fast-other-0' } })
    const answer = await assertSame(manager, api.record('Client', Number(others!.get('id')), 'show'), 'another manager\'s client')
    assert.equal(answer.body.notice?.type, 'error')
    assert.equal(answer.body.record?.params?.login, undefined, 'nothing of the record in the refusal')
    const adminOnly = await assertSame(manager, api.record('AdminUser', t.ids.admin, 'show'), 'an admin user, to a manager')
    assert.notEqual(adminOnly.body.record?.params?.email, 'admin@example.com')
  })
})

describe('the home page data answers as AdminJS does', () => {
  test('both roles', async () => {
    // "Created since" counts start from the moment of the request.
    const normalize = (body: any) => ({ ...body, clients: { ...body.clients, createdSince: undefined } })
    for (const [role, agent] of agents) await assertSame(agent, '/admin/api/dashboard', `home page as ${role}`, normalize)
  })
})

describe('what the fast path leaves to AdminJS', () => {
  test('a logged-out request gets AdminJS\'s refusal; an id that is not a number goes on to AdminJS', async () => {
    const list = await request(t.app).get(api.list('Client'))
    assert.equal(list.headers[ADMINJS_PATH_HEADER], undefined)
    assert.ok(list.status >= 300 && !list.body?.records, `refused (${list.status})`)
    const admin = agents[0][1]
    const odd = await admin.get(api.record('Client', 'abc', 'show'))
    assert.equal(odd.headers[ADMINJS_PATH_HEADER], undefined)
  })
})
