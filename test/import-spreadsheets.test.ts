import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { createClient, startTestApp, type TestApp } from './helpers/harness.js'

// Files as spreadsheet programs save them (issue #28): tolerant reading with a strict meaning, a
// dry run that shows every change, and values that normalize to the stored ones left untouched.

const IMPORT = '/admin/imports/Client'

let t: TestApp
let admin: request.Agent

async function upload(agent: request.Agent, body: string | Buffer, dryRun: '0' | '1', filename = 'clients.csv') {
  return agent.post(IMPORT).field('dryRun', dryRun).attach('file', Buffer.isBuffer(body) ? body : Buffer.from(body), { filename, contentType: 'application/octet-stream' })
}

const query = async <T>(sql: string, replacements: Record<string, unknown> = {}) =>
  (await t.db.sequelize.query(sql, { type: QueryTypes.SELECT, replacements })) as T[]
const stamp = async (login: string) =>
  (await query<{ updated_at: Date; version: number; login: string }>(`SELECT updated_at, version, login FROM clients WHERE lower(login) = lower(:login)`, { login }))[0]
const historyCount = async () => (await query<{ n: number }>('SELECT count(*)::int AS n FROM change_history'))[0].n

const STORED = {
  allowCredit: '8750.00',
  allowOverdraw: '0.10',
  dispatchFrom: '22:00',
  dispatchTo: '06:00',
  canSendApi: true,
  canSendWeb: false,
  disableBlacklist: false,
  contractNumber: '007',
  smsPriority: 2,
}

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
})
after(async () => {
  await t?.close()
})

describe('spreadsheet forms read with one meaning', () => {
  const HEADER = ['Login', 'Allow credit', 'Allow overdraw (temporary credit)', 'Time of dispatch (from)', 'Time of dispatch (to)', 'Can Send via API', 'Can Send from Web', 'Disable Black List', 'Number of contract', 'SMS priority']

  test('every tolerant form of the stored values is unchanged, and the apply touches nothing', async () => {
    await createClient(t, 'nordic-11', STORED)
    const variants: [string, string][] = [
      // name, file (line ends as written)
      ['comma, TRUE/FALSE, seconds, whole amount', `${HEADER.join(',')}\r\nnordic-11,8750,0.1,22:00:00,06:00:00,TRUE,FALSE,FALSE,007,2\r\n`],
      ['semicolon with sep= line, decimal comma, yes/no, PM', `sep=;\r\n${HEADER.join(';')}\r\nNORDIC-11;8750,00;0,10;10:00 PM;6:00 AM;yes;no;No;007;2.0\r\n`],
      ['semicolon without sep= line, mixed line ends', `\uFEFF${HEADER.join(';')}\n;;;;;;;;;\rnordic-11;8750;0,1;10:00:00 PM;06:00:00 AM;Y;n;0;007;2\r\n;;;;;;;;;\n`],
      ['tab, x and empty, float noise', `${HEADER.join('\t')}\nNordic-11\t8749.99999999999999999\t0.100000000000000005\t22:00\t6:00:00 am\tx\t\t\t007\t2\n`],
      ['comma, quoted, 1/0, Gnumeric noise', `"Login","Allow credit","Allow overdraw (temporary credit)","Time of dispatch (from)","Time of dispatch (to)","Can Send via API","Can Send from Web","Disable Black List","Number of contract","SMS priority"\n"nordic-11","8750.000000000000001","0.09999999999999999","22:00","06:00","1","0","false","007","2"\n`],
    ]
    const before = await stamp('nordic-11')
    const history = await historyCount()
    for (const [name, file] of variants) {
      const dry = await upload(admin, file, '1')
      assert.equal(dry.status, 200, `${name}: ${JSON.stringify(dry.body)}`)
      assert.deepEqual(
        { total: dry.body.total, unchanged: dry.body.unchanged, changedColumns: dry.body.changedColumns },
        { total: 1, unchanged: 1, changedColumns: {} },
        `${name}: ${JSON.stringify(dry.body.rows)}`,
      )
      const applied = await upload(admin, file, '0')
      assert.equal(applied.body.unchanged, 1, `${name}: ${JSON.stringify(applied.body)}`)
    }
    // Not written: the same updated_at and version, no history, and the login keeps its case.
    assert.deepEqual(await stamp('nordic-11'), before)
    assert.equal((await stamp('nordic-11')).login, 'nordic-11')
    assert.equal(await historyCount(), history)
  })

  test('what still has two meanings is an error on that cell, with its value', async () => {
    await createClient(t, 'ambiguous-1', STORED)
    await createClient(t, 'ambiguous-2', STORED)
    const file = [
      HEADER.join(','),
      'ambiguous-1,"1,5",0.10,22:00:30,06:00,maybe,FALSE,FALSE,007,2',
      'ambiguous-2,8750.001,0.10,25:00,13:00 PM,TRUE,FALSE,FALSE,007,2',
    ].join('\r\n')
    const response = await upload(admin, file, '1')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    const [first, second] = response.body.rows
    assert.equal(first.action, 'error')
    assert.deepEqual(Object.keys(first.errors).sort(), ['allowCredit', 'canSendApi', 'dispatchFrom'])
    assert.deepEqual(first.values, { allowCredit: '1,5', canSendApi: 'maybe', dispatchFrom: '22:00:30' })
    assert.match(first.errors.canSendApi, /yes or no.*"maybe"/)
    assert.match(first.errors.dispatchFrom, /without seconds.*"22:00:30"/)
    assert.match(first.errors.allowCredit, /2 decimals/)
    assert.equal(second.action, 'error')
    assert.deepEqual(second.values, { allowCredit: '8750.001', dispatchFrom: '25:00', dispatchTo: '13:00 PM' })
    assert.match(second.errors.allowCredit, /2 decimals.*"8750.001"/)
    assert.match(second.errors.dispatchFrom, /HH:MM/)
    assert.match(second.errors.dispatchTo, /"13:00 PM"/)
    assert.equal(response.body.labels.allowCredit, 'Allow credit')
  })

  test('a new row without a password: one error, on Password (the file has no Retype password column)', async () => {
    const response = await upload(admin, 'Login,Password,Manager,E-mail\r\nno-password-1,,manager1@example.com,np@example.com\r\n', '1')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.deepEqual(Object.keys(response.body.rows[0].errors), ['password'])
    assert.equal(response.body.rows[0].values, undefined, 'a password is never echoed back')
  })

  test('a parse error counts lines and fields from 1', async () => {
    const response = await upload(admin, 'Login,Company\r\nok-1,Fine\r\nbad-1,"Acme" Ltd\r\n', '1')
    assert.equal(response.status, 400)
    assert.match(response.body.error, /line 3, field 2/)
  })
})

describe('the dry run shows every change', () => {
  test('changed values old → new in form order, counted per column; the apply writes them', async () => {
    const id = await createClient(t, 'changes-1', { ...STORED, company: 'Acme' })
    await createClient(t, 'changes-2', { ...STORED, company: 'Beta' })
    const file = [
      'Company,Number of contract,Login,Manager,Allow credit,Can Send via API',
      'Acme Ltd,7,CHANGES-1,manager2@example.com,8750,TRUE',
      'Beta,0.10,changes-2,manager1@example.com,100,true',
    ].join('\r\n')
    const dry = await upload(admin, file, '1')
    assert.equal(dry.status, 200, JSON.stringify(dry.body))
    assert.equal(dry.body.updated, 2)
    const [first, second] = dry.body.rows
    assert.deepEqual(first.changes, {
      managerId: { from: 'manager1@example.com', to: 'manager2@example.com' },
      contractNumber: { from: '007', to: '7' },
      company: { from: 'Acme', to: 'Acme Ltd' },
    })
    // Form order: Manager (core settings) before Number of contract before Company.
    assert.deepEqual(Object.keys(first.changes), ['managerId', 'contractNumber', 'company'])
    assert.deepEqual(second.changes, { allowCredit: { from: '8750.00', to: '100.00' }, contractNumber: { from: '007', to: '0.10' } })
    assert.deepEqual(dry.body.changedColumns, { managerId: 1, contractNumber: 2, company: 1, allowCredit: 1 })
    assert.equal(dry.body.labels.contractNumber, 'Number of contract')

    const applied = await upload(admin, file, '0')
    assert.equal(applied.status, 200, JSON.stringify(applied.body))
    assert.deepEqual(applied.body.rows[0].changes, first.changes)
    const [row] = await query<{ contract_number: string; company: string; manager_id: number; login: string }>(`SELECT contract_number, company, manager_id, login FROM clients WHERE id = :id`, { id })
    assert.deepEqual(row, { contract_number: '7', company: 'Acme Ltd', manager_id: t.ids.manager2, login: 'changes-1' })
  })

  test('a manager sees "Not found or not yours" once, under Login', async () => {
    await createClient(t, 'theirs-1', { managerId: t.ids.manager2 })
    const manager1 = await t.loginAs('manager1@example.com')
    const response = await upload(manager1, 'Login,Company\r\ntheirs-1,Mine now\r\n', '1')
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.deepEqual(Object.keys(response.body.rows[0].errors), ['login'])
  })
})
