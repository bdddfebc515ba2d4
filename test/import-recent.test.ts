import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { stringify } from 'csv-stringify/sync'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { eventually } from './helpers/eventually.js'
import { startTestApp, type TestApp } from './helpers/harness.js'

// The import page remembers (issue #28): recent imports (yours; all for admins) with state, who,
// when, file and counts, each report readable again; a job can be cancelled, and then nothing is saved.

const IMPORT = '/admin/imports/Client'
const JOBS = '/admin/imports/Client/jobs'

let t: TestApp
let admin: request.Agent
let manager1: request.Agent
let manager2: request.Agent

const csv = (rows: string[][]) => stringify(rows, { record_delimiter: 'windows' })
const upload = (agent: request.Agent, body: string, dryRun: '0' | '1', filename: string) =>
  agent.post(IMPORT).field('dryRun', dryRun).attach('file', Buffer.from(body), { filename, contentType: 'text/csv' })
const count = async (sql: string) => ((await t.db.sequelize.query(sql, { type: QueryTypes.SELECT })) as { n: number }[])[0].n
const rowsFor = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, 'secret-password-1', 'manager1@example.com', `${prefix}-${i}@example.com`])
const HEADER = ['Login', 'Password', 'Manager', 'E-mail']

before(async () => {
  t = await startTestApp({ bcryptRounds: 4, importInlineMaxRows: 50, importJobPollSeconds: 0.5 })
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
})
after(async () => {
  await t?.close()
})

describe('recent imports', () => {
  test("yours, or everyone's for an admin: state, who, when, file, counts; the report reads again", async () => {
    const mine = await upload(manager1, csv([HEADER.slice(0, 4), ...rowsFor('recent-m', 2)]), '1', 'my clients.csv')
    assert.equal(mine.status, 200, JSON.stringify(mine.body))
    const refused = await upload(manager1, 'Login,Shoe size\r\nx,42\r\n', '1', 'shoes.csv')
    assert.equal(refused.status, 400)
    assert.equal((await upload(admin, csv([HEADER, ...rowsFor('recent-a', 1)]), '1', 'admin.csv')).status, 200)

    const list = await manager1.get(JOBS)
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.deepEqual(
      list.body.imports.map((entry: any) => [entry.fileName, entry.state, entry.by.email, entry.dryRun, entry.counts?.created ?? null]),
      [
        ['shoes.csv', 'refused', 'manager1@example.com', true, null],
        ['my clients.csv', 'done', 'manager1@example.com', true, 2],
      ],
    )
    assert.match(list.body.imports[0].error, /Unknown column/)
    const done = list.body.imports[1]
    assert.ok(Date.parse(done.createdAt) && Date.parse(done.finishedAt))
    assert.deepEqual(done.counts, { total: 2, created: 2, updated: 0, unchanged: 0, failed: 0 })
    // The report download: the job's address answers the report as the request did.
    const report = await manager1.get(done.location)
    assert.equal(report.status, 200)
    assert.deepEqual(report.body, mine.body)

    const all = await admin.get(JOBS)
    assert.deepEqual(all.body.imports.map((entry: any) => entry.fileName), ['admin.csv', 'shoes.csv', 'my clients.csv'])
    // Someone else's import: not listed, not readable, not cancellable.
    assert.deepEqual((await manager2.get(JOBS)).body.imports, [])
    assert.equal((await manager2.get(done.location)).status, 404)
    assert.equal((await manager2.post(`${done.location}/cancel`)).status, 404)
    assert.equal((await request(t.app).get(JOBS)).status, 401)
  })

  test('a running job is cancelled: nothing saved, the job says so, a finished one cannot be', async () => {
    const before = await count('SELECT count(*)::int AS n FROM clients')
    const posted = await upload(manager1, csv([HEADER, ...rowsFor('cancel', 400)]), '0', 'many.csv')
    assert.equal(posted.status, 202, JSON.stringify(posted.body))
    const cancel = await manager1.post(`${posted.headers.location}/cancel`)
    assert.ok([200, 202].includes(cancel.status), JSON.stringify(cancel.body))
    const ended = await eventually(async () => {
      const response = await manager1.get(posted.headers.location)
      return response.status === 202 ? undefined : response
    }, 120_000)
    assert.ok(ended, 'the job ended')
    assert.equal(ended.status, 409, JSON.stringify(ended.body))
    assert.deepEqual(ended.body, { state: 'cancelled', error: 'The import was cancelled. Nothing was saved.' })
    assert.equal(await count('SELECT count(*)::int AS n FROM clients'), before, 'all or nothing')
    const listed = (await manager1.get(JOBS)).body.imports[0]
    assert.deepEqual([listed.fileName, listed.state, listed.rows], ['many.csv', 'cancelled', 400])
    assert.equal((await manager1.post(`${posted.headers.location}/cancel`)).status, 409)
  })
})
