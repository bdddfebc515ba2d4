/**
 * Issue #25, isolation of bulk work: uploads (cut off, endless, anonymous, one too many) and
 * "all matching" bulk edits never take what everyone else's next click needs. Everything goes
 * through HTTP to the app listening on a port; endless uploads are raw sockets that behave as such
 * clients do. The waits are hang detectors (generous deadlines), not speed measurements. The
 * import's hashing and the exports have files of their own (bulk-isolation-*.test.ts), so that
 * the three run side by side.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { stringify } from 'csv-stringify/sync'
import { eventually } from './helpers/eventually.js'
import { api, createClient, startTestApp, type TestApp } from './helpers/harness.js'
import { endlessUpload, listen, loginCookie, type Listening } from './helpers/raw-http.js'

const MB = 1024 * 1024
// The embedded database has one backend for every connection: a row lock there holds the whole
// database (README), so what the bulk-edit test isolates only exists on PostgreSQL.
const onlyOnPostgres = process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL): the embedded database has one backend'
const IMPORT = '/admin/imports/Client'

const csv = (rows: string[][]) => stringify(rows, { record_delimiter: 'windows' })
const HEADER = ['Login', 'Password', 'Manager', 'E-mail']
const rowsFor = (prefix: string, n: number, manager = 'manager1@example.com') =>
  Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, 'secret-password-1', manager, `${prefix}-${i}@example.com`])

describe('uploads and early answers', () => {
  let t: TestApp
  let http: Listening
  let port: number
  let cookie: string
  const uploadDir = mkdtempSync(path.join(tmpdir(), 'bulk-isolation-uploads-'))
  // Leftovers of earlier runs: a process that is gone, and this process id's own (a restarted
  // container gets the same id). A folder of a live process is someone else's upload in progress.
  const gone = path.join(uploadDir, 'import-999999999-left')
  const ownOld = path.join(uploadDir, `import-${process.pid}-left`)
  const live = path.join(uploadDir, `import-${process.ppid}-busy`)
  const unrelated = path.join(uploadDir, 'notes.txt')

  before(async () => {
    for (const folder of [gone, ownOld, live]) {
      mkdirSync(folder)
      writeFileSync(path.join(folder, 'upload.csv'), 'Login\nx\n')
    }
    writeFileSync(unrelated, 'not ours')
    t = await startTestApp({ uploadDir, importMaxBytes: 1 * MB })
    http = await listen(t.app)
    port = http.port
    cookie = await loginCookie(http.base, 'admin@example.com')
  })
  after(async () => {
    await http?.close()
    await t?.close()
    rmSync(uploadDir, { recursive: true, force: true })
  })

  test('the start sweeps the upload folder of what earlier runs left, and only that', () => {
    assert.deepEqual(readdirSync(uploadDir).sort(), [path.basename(live), 'notes.txt'].sort())
  })

  test('an upload cut off halfway leaves no file behind', async () => {
    const boundary = '----abort'
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => undefined)
    socket.write(
      `POST ${IMPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${900 * 1024}\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clients.csv"\r\nContent-Type: text/csv\r\n\r\nLogin,E-mail\r\n`,
    )
    socket.write('a'.repeat(200 * 1024))
    const uploading = await eventually(async () => readdirSync(uploadDir).some((name) => name.startsWith(`import-${process.pid}-`)), 30_000)
    assert.ok(uploading, 'the upload is written under UPLOAD_DIR while it arrives')
    socket.destroy()
    const cleared = await eventually(async () => !readdirSync(uploadDir).some((name) => name.startsWith(`import-${process.pid}-`)), 30_000)
    assert.ok(cleared, `left behind: ${readdirSync(uploadDir).join(', ')}`)
  })

  test('an endless chunked upload is refused (413) once past IMPORT_MAX_BYTES, without reading the rest; its folder is removed', async () => {
    const boundary = '----endless'
    const answer = await endlessUpload(port, {
      path: IMPORT,
      cookie,
      contentType: `multipart/form-data; boundary=${boundary}`,
      preamble: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clients.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    })
    assert.match(answer.status, /^HTTP\/1\.1 413/, answer.head)
    assert.match(answer.head, /connection: close/i)
    assert.ok(answer.closedByServer, 'the server closed the connection')
    // Past the limit the server reads no more: what the connection still took is socket buffers.
    assert.ok(answer.accepted < 48 * MB, `the connection took ${answer.accepted / MB} MB`)
    assert.ok(!readdirSync(uploadDir).some((name) => name.startsWith(`import-${process.pid}-`)))
  })

  test('anonymous bodies, to the import or anywhere else, get their answer without being read; the connection is closed', async () => {
    for (const [path, status] of [
      [IMPORT, /^HTTP\/1\.1 401/],
      [api.new('Client'), /^HTTP\/1\.1 (302|401)/],
      ['/admin/whatever', /^HTTP\/1\.1 (302|401|404)/],
    ] as const) {
      const answer = await endlessUpload(port, { path, contentType: 'multipart/form-data; boundary=x' })
      assert.match(answer.status, status, `${path}: ${answer.head}`)
      assert.match(answer.head, /connection: close/i, path)
      assert.ok(answer.closedByServer, `${path}: the server closed the connection`)
      assert.ok(answer.accepted < 48 * MB, `${path}: the connection took ${answer.accepted / MB} MB`)
    }
  })

  test('a second import of the same user while one is under way is refused with 429 naming the limit, its body unread', async () => {
    const boundary = '----slow'
    const slow = net.connect(port, '127.0.0.1')
    slow.on('error', () => undefined)
    slow.write(
      `POST ${IMPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${500 * 1024}\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clients.csv"\r\nContent-Type: text/csv\r\n\r\nLogin,E-mail\r\n`,
    )
    try {
      await eventually(async () => t.db.bulk.usage().import === 1, 30_000)
      const second = await endlessUpload(port, { path: IMPORT, cookie, contentType: 'multipart/form-data; boundary=y', forMs: 3000 })
      assert.match(second.status, /^HTTP\/1\.1 429/, second.head)
      assert.ok(second.closedByServer)
      const body = await fetch(`${http.base}${IMPORT}`, {
        method: 'POST',
        headers: { cookie },
        body: (() => {
          const form = new FormData()
          form.append('file', new Blob([csv([HEADER, ...rowsFor('second', 1)])], { type: 'text/csv' }), 'clients.csv')
          return form
        })(),
      })
      assert.equal(body.status, 429)
      assert.match((await body.json()).error, /IMPORTS_MAX_PER_USER/)
    } finally {
      slow.destroy()
    }
    await eventually(async () => t.db.bulk.usage().import === 0, 30_000)
    assert.equal(t.db.bulk.usage().import, 0)
  })
})

describe('"all matching" bulk edits', { skip: onlyOnPostgres }, () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(async () => {
    await t?.close()
  })

  test('a second one of the same user while one runs is refused with 429 naming the limit; the first one finishes', async () => {
    const marker = `held-${Date.now()}`
    await createClient(t, `${marker}-1`, { company: `${marker} GmbH` })
    const admin = await t.loginAs('admin@example.com')
    const editAll = () =>
      admin
        .post(`/admin/api/resources/Client/bulk/bulkEdit?${new URLSearchParams({ 'filters.company': marker, allMatching: '1' })}`)
        .type('form')
        .send({ canSendApi: 'true', dryRun: '0' })
    // The matching row is locked by someone else: the first bulk edit waits for it, still running.
    const locker = await t.db.sequelize.transaction()
    try {
      await t.db.sequelize.query(`SELECT id FROM clients WHERE company = :company FOR UPDATE`, { replacements: { company: `${marker} GmbH` }, transaction: locker })
      const first = editAll().then((response) => response)
      const running = await eventually(async () => t.db.bulk.usage().bulkEdit === 1, 30_000)
      assert.ok(running, 'the first bulk edit is under way')
      const second = await editAll()
      assert.equal(second.status, 429, JSON.stringify(second.body))
      assert.match(second.body.error, /BULK_EDITS_MAX_PER_USER/)
      await locker.commit()
      const done = await first
      assert.equal(done.body.notice?.type, 'success', JSON.stringify(done.body))
    } finally {
      await locker.rollback().catch(() => undefined)
    }
    assert.equal(t.db.bulk.usage().bulkEdit, 0)
  })
})
