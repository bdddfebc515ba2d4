import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Writable } from 'node:stream'
import { sign } from 'cookie-signature'
import request from 'supertest'
import { createApp, createLogger, SESSION_COOKIE, type App } from '../src/app/app.js'
import { setTwoFactorRequirement } from '../src/account/settings.js'
import { QueryTypes, Sequelize } from 'sequelize'
import { selectRows, selectRowSets, withStatementAhead, type PreparedStatement } from '../src/db/select-rows.js'
import { readSession, sessionOfRow, sessionSql, sessionStatement } from '../src/app/session-rights.js'
import pg from 'pg'
import { queryableFields } from '../src/panel/list-query.js'
import { registry } from '../src/resources/registry.js'
import { api, createClient, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'

// The hot reads (list, show, home page data) are answered in front of Express by the fast read
// lane (src/app/fast-read-lane.ts) when the request is the plain signed-in case. Its answers must
// be Express's own: the same requests, with the same session cookie, go to the app with the lane
// (t) and to an app on the same database without it (plain, FAST_READS=false), and must give the
// same status, the same JSON body byte for byte, and the same headers (the CSP nonce, request id,
// date and cookie expiry are per response). Every case that is not plain must be left to Express.

let t: TestApp
let plain: App
/** The session cookie of each role, as a browser would send it back. */
let cookies: Record<'admin' | 'manager', string>

const cookieOf = (response: request.Response) => {
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])
  const session = setCookie.find((line) => line.startsWith(`${SESSION_COOKIE}=`))
  assert.ok(session, 'a session cookie')
  return session.split(';')[0]
}

async function logIn(email: string) {
  return cookieOf(await request(t.app).post('/admin/login').type('form').send({ email, password: PASSWORD }))
}

before(async () => {
  t = await startTestApp()
  assert.ok(t.fastReads, 'the lane is on by default')
  plain = await createApp({ ...t.config, fastReads: false }, t.db, createLogger({ logLevel: 'silent' }))
  assert.equal(plain.fastReads, undefined)
  cookies = { admin: await logIn('admin@example.com'), manager: await logIn('manager1@example.com') }
  // Rows of every kind for both managers: clients (and so their history), sender names.
  for (const [owner, managerId] of [['own', t.ids.manager1], ['other', t.ids.manager2]] as const) {
    for (let i = 0; i < 12; i += 1) {
      const clientId = await createClient(t, `fast-${owner}-${i}`, { managerId, company: `Fast ${owner} ${i}`, productId: t.ids.productActive })
      if (i < 3) await t.models.SenderName.create({ clientId, name: `Fast ${owner[0]}${i}` })
    }
  }
  await t.models.Client.update({ company: 'Fast renamed' }, { where: { login: 'fast-own-1' } })
})
after(async () => {
  await plain?.close()
  await t?.close()
})

/** Headers that are per response on both paths; the rest must be equal. */
const PER_RESPONSE = new Set(['date', 'x-request-id', 'content-security-policy', 'set-cookie'])

function sameHeaders(lane: request.Response, express: request.Response, label: string) {
  const kept = (response: request.Response) => Object.fromEntries(Object.entries(response.headers).filter(([name]) => !PER_RESPONSE.has(name)))
  assert.deepEqual(kept(lane), kept(express), `${label}: headers`)
  // The CSP is the same policy with this response's own nonce.
  const policy = (response: request.Response) => String(response.headers['content-security-policy']).replace(/'nonce-[^']+'/, "'nonce-…'")
  assert.equal(policy(lane), policy(express), `${label}: CSP`)
  assert.notEqual(lane.headers['content-security-policy'], express.headers['content-security-policy'], `${label}: a fresh nonce`)
  assert.match(String(lane.headers['x-request-id']), /^[0-9a-f-]{36}$/, `${label}: a request id`)
  // The rolling session's cookie: the same value and attributes, its expiry now + max age on both.
  const cookie = (response: request.Response) => ([] as string[]).concat(response.headers['set-cookie'] ?? [])
  const withoutExpiry = (response: request.Response) => cookie(response).map((line) => line.replace(/; Expires=[^;]+/, ''))
  assert.deepEqual(withoutExpiry(lane), withoutExpiry(express), `${label}: Set-Cookie`)
  for (const line of cookie(lane)) {
    const expires = Date.parse(/; Expires=([^;]+)/.exec(line)?.[1] ?? '')
    assert.ok(Math.abs(expires - (Date.now() + t.config.sessionMaxAgeMs)) < 5000, `${label}: the cookie's expiry moved to now + max age`)
  }
}

/**
 * The same GET through the lane and through Express: status, body bytes, headers; the lane must
 * have answered it (a request that found the session's write due went to Express: tried again).
 */
async function assertSame(role: keyof typeof cookies, path: string, label: string, normalize: (body: any) => unknown = (body) => body, { laneAnswers = true } = {}) {
  let lane!: request.Response
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const before = t.fastReads!.answered
    lane = await request(t.app).get(path).set('Cookie', cookies[role])
    if (t.fastReads!.answered === before + 1) break
    assert.ok(!laneAnswers || attempt === 0, `${label}: answered by the lane`)
  }
  const express = await request(plain.app).get(path).set('Cookie', cookies[role])
  assert.equal(lane.status, express.status, `${label}: status`)
  if (normalize === identity) assert.equal(lane.text, express.text, `${label}: body`)
  else assert.deepEqual(normalize(JSON.parse(lane.text)), normalize(JSON.parse(express.text)), `${label}: body`)
  sameHeaders(lane, express, label)
  return lane
}
const identity = (body: unknown) => body

/** A value of the first row for a filterable field, to filter on something that matches. */
function filterOn(filterable: ReadonlySet<string>, params: Record<string, unknown> | undefined) {
  for (const name of filterable) {
    const value = params?.[name]
    if (name !== 'createdAt' && (typeof value === 'string' || typeof value === 'number') && String(value).length) return [name, String(value)] as const
  }
  return undefined
}

describe('the lane answers as Express does', () => {
  for (const { definition } of registry) {
    test(`${definition.name}: list and show, both roles`, async () => {
      const { filterable, sortable, searchable, listable } = queryableFields(definition)
      for (const role of ['admin', 'manager'] as const) {
        const label = `${definition.name} as ${role}`
        const first = await request(plain.app).get(api.list(definition.name)).set('Cookie', cookies[role])
        // A list this role may not see is refused with a status of its own: Express's answer.
        const laneAnswers = first.status === 200
        await assertSame(role, api.list(definition.name), `${label}, page 1`, identity, { laneAnswers })
        if (!laneAnswers) continue
        const rows: { id: string; params: Record<string, unknown> }[] = first.body.records
        const queries = ['?page=1', '?page=2&perPage=10', '?perPage=25', '?perPage=50&page=1', '?page=0&perPage=abc']
        for (const field of [...sortable].slice(0, 3)) queries.push(`?sortBy=${field}&direction=asc`, `?sortBy=${field}&direction=desc&page=2&perPage=10`)
        if (searchable.length) queries.push('?q=fast', '?q=FAST&page=2&perPage=10', '?q=no-such-text-anywhere')
        if (listable.length > 1) queries.push(`?columns=${listable.slice(0, 2).join(',')}`, `?columns=${listable.slice(-1).join(',')}&sortBy=${[...sortable][0] ?? 'id'}`)
        const filter = filterOn(filterable, rows[0]?.params)
        if (filter) queries.push(`?filters.${filter[0]}=${encodeURIComponent(filter[1])}`, `?filters.${filter[0]}=${encodeURIComponent(filter[1])}&sortBy=id&direction=asc`)
        for (const query of queries) await assertSame(role, `${api.list(definition.name)}${query}`, `${label} ${query}`)
        for (const row of rows.slice(0, 3)) await assertSame(role, api.record(definition.name, row.id, 'show'), `${label}, show ${row.id}`)
        await assertSame(role, api.record(definition.name, 999_999_999, 'show'), `${label}, show of a missing id`)
      }
    })
  }

  test("refusals with a status of their own are Express's: an unknown filter or sort, a page too far", async () => {
    for (const query of ['?filters.noSuchField=1', '?sortBy=noSuchField', '?page=2000000000']) {
      const answer = await assertSame('admin', `${api.list('Client')}${query}`, `Client ${query}`, identity, { laneAnswers: false })
      assert.equal(answer.status, 400, query)
    }
  })

  test("a client of another manager, and a user record, to a manager: the same refusal, nothing of the record", async () => {
    const others = await t.models.Client.findOne({ where: { login: 'fast-other-0' } })
    const answer = await assertSame('manager', api.record('Client', Number(others!.get('id')), 'show'), "another manager's client")
    assert.equal(answer.body.notice?.type, 'error')
    assert.equal(answer.body.record?.params?.login, undefined, 'nothing of the record in the refusal')
    const own = await t.models.Client.findOne({ where: { login: 'fast-own-2' } })
    const shown = await assertSame('manager', api.record('Client', Number(own!.get('id')), 'show'), 'own client')
    assert.equal(shown.body.record.params.login, 'fast-own-2')
    const adminUser = await assertSame('manager', api.record('AdminUser', t.ids.admin, 'show'), 'an admin user, to a manager', identity, { laneAnswers: false })
    assert.notEqual(adminUser.body.record?.params?.email, 'admin@example.com')
  })

  test('the home page data, both roles', async () => {
    // "Created since" counts from the moment of each request: the two answers are milliseconds apart.
    const withoutMoments = (body: any) => ({ ...body, clients: { ...body.clients, createdSince: undefined } })
    for (const role of ['admin', 'manager'] as const) {
      const answer = await assertSame(role, '/admin/api/dashboard', `home page as ${role}`, withoutMoments)
      assert.equal(answer.body.role, role)
    }
  })

  test('spellings other than the panel\'s, a HEAD, a body, a conditional request: left to Express', async () => {
    const cases: [string, (r: request.Test) => request.Test][] = [
      [`${api.list('Client')}/`, (r) => r],
      [api.list('client'), (r) => r],
      ['/admin/API/resources/Client/actions/list', (r) => r],
      [api.record('Client', '007', 'show'), (r) => r],
      [api.list('Client'), (r) => r.set('If-None-Match', '*')],
    ]
    for (const [path, more] of cases) {
      const before = t.fastReads!.answered
      const lane = await more(request(t.app).get(path).set('Cookie', cookies.admin))
      const express = await more(request(plain.app).get(path).set('Cookie', cookies.admin))
      assert.equal(t.fastReads!.answered, before, `${path}: not the lane's`)
      assert.equal(lane.status, express.status, path)
      // A failure names its own request's id.
      const withoutRequestId = (text: string) => text.replace(/"requestId":"[^"]+"/, '"requestId":"…"')
      assert.equal(withoutRequestId(lane.text), withoutRequestId(express.text), path)
    }
    const before = t.fastReads!.answered
    const head = await request(t.app).head(api.list('Client')).set('Cookie', cookies.admin)
    assert.equal(head.status, 200)
    assert.equal(t.fastReads!.answered, before, 'HEAD is not the lane\'s')
  })
})

describe('reads on a pooled connection', () => {
  test('selectRows gives the rows sequelize.query gives: the same values and types', async () => {
    const sql = `SELECT c.*, c.created_at AS "createdAt", '{"a": [1, 2]}'::jsonb AS doc, 12.50::numeric AS amount, NULL::text AS nothing, ARRAY[1, 2] AS list
                   FROM clients c ORDER BY c.id LIMIT 5`
    const raw = await selectRows(t.db.sequelize, sql)
    const bySequelize = await t.db.sequelize.query(sql, { type: QueryTypes.SELECT })
    assert.equal(raw.length, 5)
    assert.deepEqual(raw, bySequelize)
    assert.ok(raw[0].createdAt instanceof Date)
    await assert.rejects(selectRows(t.db.sequelize, 'SELECT no_such_column FROM clients'), /no_such_column/)
    // The failed statement's connection went back to the pool in working order.
    assert.equal((await selectRows(t.db.sequelize, 'SELECT 1 AS one'))[0].one, 1)
  })

  test('selectRowSets gives each statement its own rows, in order, from one message', async () => {
    const sqls = ['SELECT count(*)::int AS total FROM clients', 'SELECT id FROM clients ORDER BY id LIMIT 2', 'SELECT 1 AS one WHERE false']
    const each = await selectRowSets(t.db.sequelize, sqls)
    assert.deepEqual(each, await Promise.all(sqls.map((sql) => t.db.sequelize.query(sql, { type: QueryTypes.SELECT }))))
    assert.equal(each.length, 3)
    // A failure in any of them fails the whole read, and leaves the connection usable.
    await assert.rejects(selectRowSets(t.db.sequelize, ['SELECT 1 AS one', 'SELECT no_such_column FROM clients']), /no_such_column/)
    assert.deepEqual(await selectRowSets(t.db.sequelize, ['SELECT 1 AS one']), [[{ one: 1 }]])
  })
})

describe('the request log', () => {
  test('at info, the lane logs each answer as pino-http does on the Express path', async () => {
    const linesOf = () => {
      const lines: Record<string, any>[] = []
      const stream = new Writable({
        write(chunk, _encoding, callback) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
          callback()
        },
      })
      return { lines, stream }
    }
    const laneLog = linesOf()
    const expressLog = linesOf()
    const withLane = await createApp({ ...t.config, logLevel: 'info' }, t.db, createLogger({ logLevel: 'info' }, laneLog.stream))
    const withoutLane = await createApp({ ...t.config, logLevel: 'info', fastReads: false }, t.db, createLogger({ logLevel: 'info' }, expressLog.stream))
    try {
      const path = `${api.list('Client')}?page=1&perPage=10`
      // The first request of a session in an app goes to Express (its touch is due), then the lane's.
      await request(withLane.app).get(path).set('Cookie', cookies.manager)
      await request(withoutLane.app).get(path).set('Cookie', cookies.manager)
      laneLog.lines.length = 0
      expressLog.lines.length = 0
      const before = withLane.fastReads!.answered
      const lane = await request(withLane.app).get(path).set('Cookie', cookies.manager).set('x-request-id', 'lane-log-check')
      const express = await request(withoutLane.app).get(path).set('Cookie', cookies.manager).set('x-request-id', 'lane-log-check')
      assert.equal(withLane.fastReads!.answered, before + 1, 'answered by the lane')
      assert.equal(lane.headers['x-request-id'], 'lane-log-check')
      assert.equal(lane.text, express.text)
      const completed = (lines: Record<string, any>[]) =>
        lines.filter((line) => line.msg === 'request completed').map(({ level, req, res, msg }) => ({ level, req, res, msg }))
      assert.deepEqual(completed(laneLog.lines), completed(expressLog.lines))
      assert.deepEqual(completed(laneLog.lines), [
        { level: 30, req: { id: 'lane-log-check', method: 'GET', url: api.list('Client') }, res: { statusCode: 200 }, msg: 'request completed' },
      ])
      assert.ok(typeof laneLog.lines.find((line) => line.msg === 'request completed')?.responseTime === 'number')
    } finally {
      await withLane.close()
      await withoutLane.close()
    }
  })
})

describe('a session read with the action\'s first statement', () => {
  test('a session whose user another process changed since the lane last answered it: answered for the user it has now', async () => {
    // The lane runs a session's list or show for the user it last answered that session as, with the
    // session statement in the same round trip; here the session (rewritten elsewhere, as another
    // instance's Express would) and the account now say manager: the answer must be a manager's.
    const email = `lane-guess-${Date.now()}@example.com`
    const user = await t.models.AdminUser.create({ email, name: 'Lane Admin', role: 'admin', password: PASSWORD })
    const userId = Number(user.get('id'))
    const cookie = await logIn(email)
    await request(t.app).get(api.list('Client')).set('Cookie', cookie)
    const other = await t.models.Client.findOne({ where: { login: 'fast-other-0' } })
    const showOther = api.record('Client', Number(other!.get('id')), 'show')
    let before = t.fastReads!.answered
    const asAdmin = await request(t.app).get(showOther).set('Cookie', cookie)
    assert.equal(t.fastReads!.answered, before + 1, 'answered by the lane')
    assert.equal(asAdmin.body.record.params.login, 'fast-other-0', 'an admin sees every client')

    const sid = decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]
    await t.models.AdminUser.update({ role: 'manager' }, { where: { id: userId } })
    const [{ sess }] = (await t.db.sequelize.query('SELECT sess::text AS sess FROM sessions WHERE sid = :sid', { replacements: { sid }, type: QueryTypes.SELECT })) as { sess: string }[]
    const rewritten = JSON.parse(sess)
    rewritten.adminUser.role = 'manager'
    await t.db.sequelize.query('UPDATE sessions SET sess = CAST(:sess AS json) WHERE sid = :sid', { replacements: { sid, sess: JSON.stringify(rewritten) } })

    for (const path of [showOther, api.list('Client'), showOther]) {
      before = t.fastReads!.answered
      const lane = await request(t.app).get(path).set('Cookie', cookie)
      const express = await request(plain.app).get(path).set('Cookie', cookie)
      assert.equal(t.fastReads!.answered, before + 1, `${path}: answered by the lane`)
      assert.equal(lane.status, express.status, path)
      assert.equal(lane.text, express.text, path)
    }
    const refused = await request(t.app).get(showOther).set('Cookie', cookie)
    assert.equal(refused.body.notice?.type, 'error', "another manager's client, to a manager")
    assert.equal(refused.body.record?.params?.login, undefined)
    const listed = await request(t.app).get(api.list('Client')).set('Cookie', cookie)
    assert.equal(listed.body.meta.total, 0, 'a new manager has no clients')
  })

  test('the session statement read with a resource\'s statement gives what it gives alone', async () => {
    const sid = decodeURIComponent(cookies.manager.split('=')[1]).slice(2).split('.')[0]
    const pool = new pg.Pool({ connectionString: t.db.url, max: 1 })
    const alone = await readSession(pool, sid).finally(() => pool.end())
    const { result, ahead } = await withStatementAhead(sessionSql(pg.escapeLiteral(sid)), () => selectRows(t.db.sequelize, 'SELECT 1 AS one'))
    assert.deepEqual(result, [{ one: 1 }])
    assert.deepEqual(sessionOfRow(ahead![0]), alone)
    assert.ok(alone?.account, 'a session with its account')
    // Only the first read carries it; a run that reads nothing leaves it to the caller.
    const twice = await withStatementAhead('SELECT 2 AS two', async () => [await selectRows(t.db.sequelize, 'SELECT 1 AS one'), await selectRows(t.db.sequelize, 'SELECT 3 AS three')])
    assert.deepEqual(twice, { result: [[{ one: 1 }], [{ three: 3 }]], ahead: [{ two: 2 }] })
    assert.deepEqual(await withStatementAhead('SELECT 2 AS two', async () => 'nothing read'), { result: 'nothing read', ahead: undefined })
  })
})

describe('the session statement the lane carries is kept prepared per connection', () => {
  test('prepared at first use, executed after, prepared again where the connection lost it, beside a prepared read of its own', async () => {
    const sid = decodeURIComponent(cookies.admin.split('=')[1]).slice(2).split('.')[0]
    const pool = new pg.Pool({ connectionString: t.db.url, max: 1 })
    const alone = await readSession(pool, sid).finally(() => pool.end())
    assert.ok(alone?.account, 'a session with its account')
    // One connection, so that every step meets the same one (the embedded database has one session behind all of them).
    const sequelize = new Sequelize(t.db.url, { dialect: 'postgres', logging: false, pool: { max: 1 } })
    try {
      const read: PreparedStatement = { name: 'probe_ahead', prepare: 'PREPARE probe_ahead(int) AS SELECT $1 + 1 AS n', execute: 'EXECUTE probe_ahead(1)' }
      for (const step of ['first use', 'prepared', 'lost', 'beside a prepared read', 'both prepared']) {
        if (step === 'lost') await selectRows(sequelize, 'DEALLOCATE hot_read_session')
        const statements = step.startsWith('beside') || step.startsWith('both') ? [read, 'SELECT 0 AS n'] : ['SELECT 0 AS n']
        const { result, ahead } = await withStatementAhead(sessionStatement(sid), () => selectRowSets(sequelize, statements))
        assert.deepEqual(result, statements.length === 2 ? [[{ n: 2 }], [{ n: 0 }]] : [[{ n: 0 }]], step)
        assert.deepEqual(sessionOfRow(ahead![0]), alone, step)
      }
      const [{ n }] = (await selectRows(sequelize, `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name IN ('hot_read_session', 'probe_ahead')`)) as { n: number }[]
      assert.equal(n, 2)
    } finally {
      await sequelize.close()
    }
  })
})

describe('a SELECT sent again and again is kept prepared per connection', () => {
  test('prepared from its third sending on, with the same rows; an EXPLAIN stays text; a plan a migration outdates is prepared afresh', async () => {
    // A pool of one connection, so that every step meets the same one (the embedded database has one session behind all of them).
    const own = t.config.databaseUrl ? new Sequelize(t.config.databaseUrl, { dialect: 'postgres', logging: false, pool: { max: 1 } }) : undefined
    const sequelize = own ?? t.db.sequelize
    const table = `probe_hot_${process.pid}`
    // Read by Sequelize's own query (never prepared); a statement's text there is the whole message that prepared it.
    const preparedAs = async (text: string) =>
      ((await sequelize.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE :pattern`, {
        replacements: { pattern: `%PREPARE hot_% AS ${text}%` },
        type: QueryTypes.SELECT,
      })) as { n: number }[])[0].n
    try {
      await selectRows(sequelize, `CREATE TABLE ${table} (a int)`)
      await sequelize.query(`INSERT INTO ${table} VALUES (1), (2)`)
      const text = `SELECT a FROM ${table} ORDER BY a`
      for (let sending = 1; sending <= 4; sending += 1) {
        assert.deepEqual(await selectRows(sequelize, text), [{ a: 1 }, { a: 2 }], `sending ${sending}`)
        assert.equal(await preparedAs(text), sending < 3 ? 0 : 1, `sending ${sending}`)
      }
      const explain = `EXPLAIN (FORMAT JSON) SELECT a FROM ${table}`
      for (let sending = 1; sending <= 4; sending += 1) assert.ok(await selectRows(sequelize, explain))
      assert.equal(await preparedAs(explain), 0)
      // The column's type changes under the prepared plan: PostgreSQL refuses to run it as it was.
      await sequelize.query(`ALTER TABLE ${table} ALTER COLUMN a TYPE text`)
      assert.deepEqual(await selectRows(sequelize, text), [{ a: '1' }, { a: '2' }])
      assert.equal(await preparedAs(text), 1)
    } finally {
      await sequelize.query(`DROP TABLE IF EXISTS ${table}`)
      await own?.close()
    }
  })

  test('a connection keeps at most 100 of them, the oldest deallocated first', async (context) => {
    // On one connection of its own: the embedded database's single session holds every connection's statements.
    if (!t.config.databaseUrl) return context.skip('needs a connection of its own (PostgreSQL)')
    const sequelize = new Sequelize(t.config.databaseUrl, { dialect: 'postgres', logging: false, pool: { max: 1 } })
    const held = async () =>
      ((await sequelize.query(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'hot\\_%'`, { type: QueryTypes.SELECT })) as { statement: string }[]).map(
        (row) => row.statement,
      )
    try {
      const texts = Array.from({ length: 105 }, (_, i) => `SELECT ${i} AS n_${process.pid}`)
      for (const text of texts) {
        for (let sending = 0; sending < 3; sending += 1) assert.deepEqual(await selectRows(sequelize, text), [{ [`n_${process.pid}`]: Number(text.split(' ')[1]) }])
      }
      const statements = await held()
      assert.equal(statements.length, 100)
      assert.ok(!statements.some((statement) => statement.includes(`AS ${texts[0]}`)), 'the oldest went first')
      assert.ok(statements.some((statement) => statement.includes(`AS ${texts[104]}`)), 'the newest stays')
    } finally {
      await sequelize.close()
    }
  })
})

describe('what the lane refuses to answer, Express answers as before', () => {
  /** A GET the lane must not answer: its status and body are Express's own (plain app, same request). */
  async function leftToExpress(cookie: string, label: string, path = api.list('Client')) {
    const before = t.fastReads!.answered
    const lane = await request(t.app).get(path).set('Cookie', cookie)
    assert.equal(t.fastReads!.answered, before, `${label}: the lane did not answer`)
    assert.equal(lane.body?.records, undefined, `${label}: no data`)
    return lane
  }

  test('no cookie, a forged signature, a session that does not exist, an expired session: the same answers as Express', async () => {
    const sid = decodeURIComponent(cookies.admin.split('=')[1]).slice(2).split('.')[0]
    const variants: [string, string][] = [
      ['no session cookie', 'other=1'],
      ['a forged signature', `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${'A'.repeat(43)}`)}`],
      ['signed with another secret', `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign(sid, 'another-secret')}`)}`],
      ['an unsigned id', `${SESSION_COOKIE}=${encodeURIComponent(sid)}`],
      ['a session id never issued', `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign('no-such-session-id-0000000000000', t.config.sessionSecret)}`)}`],
    ]
    for (const [label, cookie] of variants) {
      const lane = await leftToExpress(cookie, label)
      const express = await request(plain.app).get(api.list('Client')).set('Cookie', cookie)
      assert.equal(lane.status, express.status, label)
      assert.equal(lane.text, express.text, label)
      assert.ok(lane.status >= 300, `${label}: refused (${lane.status})`)
    }
    const expired = await logIn('manager2@example.com')
    const expiredSid = decodeURIComponent(expired.split('=')[1]).slice(2).split('.')[0]
    await t.db.sequelize.query(`UPDATE sessions SET expire = now() - interval '1 minute' WHERE sid = :sid`, { replacements: { sid: expiredSid } })
    const lane = await leftToExpress(expired, 'an expired session')
    const express = await request(plain.app).get(api.list('Client')).set('Cookie', expired)
    assert.equal(lane.status, express.status)
    assert.equal(lane.text, express.text)
  })

  test('a deactivated user, a changed password, two-factor required of a user not enrolled: 401 from Express, never data', async () => {
    const email = `lane-${Date.now()}@example.com`
    const user = await t.models.AdminUser.create({ email, name: 'Lane Manager', role: 'manager', password: PASSWORD })
    const userId = Number(user.get('id'))
    const fresh = async () => {
      const cookie = await logIn(email)
      // Once through Express (the session's first touch), then the lane answers it.
      await request(t.app).get(api.list('Client')).set('Cookie', cookie)
      const before = t.fastReads!.answered
      assert.equal((await request(t.app).get(api.list('Client')).set('Cookie', cookie)).status, 200)
      assert.equal(t.fastReads!.answered, before + 1, 'the plain case is the lane\'s')
      return cookie
    }

    let cookie = await fresh()
    await t.models.AdminUser.update({ active: false }, { where: { id: userId } })
    let answer = await leftToExpress(cookie, 'a deactivated user')
    assert.equal(answer.status, 401)
    assert.deepEqual(answer.body, { error: 'Your session has ended. Please log in again.' })
    await t.models.AdminUser.update({ active: true }, { where: { id: userId } })

    cookie = await fresh()
    await t.db.sequelize.query(`UPDATE admin_users SET password_hash = '$2b$04$' || repeat('y', 53) WHERE id = :id`, { replacements: { id: userId } })
    answer = await leftToExpress(cookie, 'a changed password', api.record('Client', 1, 'show'))
    assert.equal(answer.status, 401)
    assert.deepEqual(answer.body, { error: 'Your session has ended. Please log in again.' })
    const user2 = await t.models.AdminUser.findByPk(userId)
    await user2!.update({ password: PASSWORD })

    cookie = await fresh()
    await setTwoFactorRequirement(t.db.sequelize, 'everyone')
    try {
      answer = await leftToExpress(cookie, 'two-factor required', '/admin/api/dashboard')
      assert.equal(answer.status, 401)
      assert.equal(answer.body.twoFactorRequired, true)
      // Held there on the next request too (the session now says so).
      answer = await leftToExpress(cookie, 'two-factor pending')
      assert.equal(answer.status, 401)
    } finally {
      await setTwoFactorRequirement(t.db.sequelize, 'off')
    }

    cookie = await fresh()
    await t.models.AdminUser.update({ name: 'Lane Renamed' }, { where: { id: userId } })
    answer = await leftToExpress(cookie, 'a renamed user (the session is rewritten)', '/admin/api/dashboard')
    assert.equal(answer.status, 200)
    const again = await request(t.app).get('/admin/api/dashboard').set('Cookie', cookie)
    assert.equal(again.status, 200)
  })
})
