import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { startTestApp, type TestApp } from './helpers/harness.js'
import { createSpreadsheetClients, SPREADSHEET_CLIENTS } from './helpers/spreadsheet-clients.js'

// Files saved by real spreadsheet programs (LibreOffice 7.4, Gnumeric 1.12; see
// test/fixtures/spreadsheets/README.md) from an export of these clients: each imports back with
// every row "unchanged", and its apply writes nothing.

const FIXTURES = path.resolve('test/fixtures/spreadsheets')
const FILES = ['export.xlsx', 'export.csv', 'libreoffice.xlsx', 'libreoffice-comma.csv', 'libreoffice-semicolon.csv', 'gnumeric.xlsx', 'gnumeric-comma.csv', 'gnumeric-semicolon.csv']

let t: TestApp
let admin: request.Agent

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
  await createSpreadsheetClients(t)
})
after(async () => {
  await t?.close()
})

describe('spreadsheet round trips', () => {
  for (const name of FILES) {
    test(`${name}: every row unchanged, nothing written`, async () => {
      const bytes = readFileSync(path.join(FIXTURES, name))
      const stamps = async () => t.db.sequelize.query('SELECT login, updated_at, version FROM clients ORDER BY login', { type: QueryTypes.SELECT })
      const before = await stamps()
      // The name is not looked at: the content tells XLSX from CSV. The dry run first: an apply
      // that did write would change what the next file is compared with.
      for (const dryRun of ['1', '0']) {
        const response = await admin.post('/admin/imports/Client').field('dryRun', dryRun).attach('file', bytes, { filename: 'upload.dat', contentType: 'application/octet-stream' })
        assert.equal(response.status, 200, JSON.stringify(response.body))
        const different = response.body.rows.filter((row: { action: string }) => row.action !== 'unchanged')
        assert.deepEqual(different, [], `${name} (dry run ${dryRun})`)
        assert.equal(response.body.total, SPREADSHEET_CLIENTS(t.ids).length)
        assert.deepEqual(response.body.changedColumns, {})
      }
      assert.deepEqual(await stamps(), before)
    })
  }

  test('the fixtures are what the programs wrote: reinterpretable values kept as text, both separators', () => {
    const text = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8')
    assert.match(text('libreoffice-semicolon.csv').split('\n')[0], /^"Login";"Manager";/)
    assert.match(text('gnumeric-semicolon.csv').split('\n')[0], /^Login;Manager;/)
    assert.match(text('libreoffice-comma.csv'), /"007"/)
    assert.match(text('gnumeric-comma.csv'), /,1234567890123456789,/)
    assert.match(text('gnumeric-comma.csv'), /,TRUE,FALSE,/)
  })
})
