/**
 * Issue #21, the HTTP items: each attack of the outside review, sent through HTTP, and what must
 * come of it. Crashes and bodies are tried on a real server process (the process must still be
 * alive and answering afterwards); the rest on the app as the other tests run it.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { runInNewContext } from 'node:vm'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import request from 'supertest'
import { hardenPage } from '../src/panel/adminjs-internals/safe-pages.js'
import { ConfigError, parseConfig } from '../src/config/env.js'
import { hashPassword } from '../src/auth/password-hashing.js'
import { defineModels } from '../src/models/index.js'
import { api, createTestDatabase, PASSWORD, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'
import { listen, loginCookie, type Listening } from './helpers/raw-http.js'
import { startServerProcess, type ServerProcess } from './helpers/server-process.js'

const MB = 1024 * 1024

type Answer = { status: number; body: string; sentBytes: number; ms: number }

/**
 * Sends a request whose body may be far larger than what is actually sent: `declaredLength` goes
 * into Content-Length (none: chunked), then 64 KB chunks follow, a little apart, until the server
 * answers or `maxBytes` went out. Resolves with the answer (status 0: no answer, or the connection
 * was cut before one arrived).
 */
function sendLargeBody(url: string, options: { path: string; contentType: string; cookie?: string; declaredLength?: number; maxBytes: number }): Promise<Answer> {
  const started = Date.now()
  return new Promise((resolve) => {
    let sentBytes = 0
    let done = false
    const finish = (status: number, body: string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve({ status, body, sentBytes, ms: Date.now() - started })
    }
    const headers: Record<string, string> = { 'content-type': options.contentType }
    if (options.cookie) headers.cookie = options.cookie
    if (options.declaredLength !== undefined) headers['content-length'] = String(options.declaredLength)
    const req = http.request(`${url}${options.path}`, { method: 'POST', headers }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => finish(response.statusCode!, body))
      response.on('error', () => finish(response.statusCode!, body))
      setTimeout(() => finish(response.statusCode!, body), 1000)
    })
    req.on('error', () => setTimeout(() => finish(0, 'connection cut'), 100))
    const timer = setTimeout(() => finish(0, 'no answer'), 20_000)
    const chunk = Buffer.alloc(64 * 1024, 'a')
    req.flushHeaders()
    const pump = async () => {
      while (!done && sentBytes < options.maxBytes) {
        sentBytes += chunk.length
        if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve))
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
    void pump()
  })
}

/** A multipart body with a text field and one file. */
function multipartWithFile(fileBytes: number, field = 'email') {
  const boundary = '----hardening' + Math.random().toString(16).slice(2)
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\nsomeone@example.com\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clients.csv"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.alloc(fileBytes, 'x'),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { body, contentType: `multipart/form-data; boundary=${boundary}` }
}

// Files tsx keeps in the temp folder for its own cache are not uploads.
const uploadsIn = (folder: string) => readdirSync(folder).filter((name) => !name.startsWith('tsx-'))

describe('a real server process under attack', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let server: ServerProcess
  let cookie: string
  const tempFolder = mkdtempSync(path.join(tmpdir(), 'hardening-uploads-'))

  before(async () => {
    database = await createTestDatabase()
    const models = defineModels(database.db.sequelize, { allowPrivateWebhookHosts: false, hashPassword: (password) => hashPassword(password, 4) })
    await models.AdminUser.create({ email: 'admin@example.com', name: 'Alex', role: 'admin', password: PASSWORD })
    server = await startServerProcess({ DATABASE_URL: database.db.url, TMPDIR: tempFolder, IMPORT_MAX_BYTES: String(2 * MB) })
    cookie = await loginCookie(server.url, 'admin@example.com')
  })
  after(async () => {
    server?.child.kill('SIGKILL')
    await database?.drop()
    rmSync(tempFolder, { recursive: true, force: true })
  })

  const stillServing = async () => {
    assert.equal(server.child.exitCode, null, `the process is alive:\n${server.output().slice(-3000)}`)
    assert.equal((await fetch(`${server.url}/health`)).status, 200)
    const list = await fetch(`${server.url}${api.list('Client')}`, { headers: { cookie }, redirect: 'manual' })
    assert.equal(list.status, 200, 'the session still works')
  }

  test('1. no route crashes the process: an async handler that throws is answered as JSON', async () => {
    for (const [method, path] of [
      ['POST', '/admin/refresh-token'], // AdminJS mounts it without a provider: its handler throws
      ['POST', '/admin/refresh-token/'],
      ['POST', '/admin//refresh-token'],
    ]) {
      const response = await fetch(`${server.url}${path}`, { method, headers: { cookie }, redirect: 'manual' })
      assert.ok(response.status >= 400 && response.status < 600, `${method} ${path}: ${response.status}`)
      assert.match(String(response.headers.get('content-type')), /json/, `${method} ${path} answers JSON`)
      await stillServing()
    }
    assert.match(server.output(), /request failed/, 'the error is logged')
  })

  test('2. bodies are limited by route before anything is read; nothing lands in the temp folder', async () => {
    const tempBefore = uploadsIn(tempFolder)

    // A 600 MB form to the login page, and 800 MB of JSON from a signed-in user: 413 at once.
    const login = await sendLargeBody(server.url, { path: '/admin/login', contentType: 'application/x-www-form-urlencoded', declaredLength: 600 * MB, maxBytes: 8 * 1024 })
    assert.equal(login.status, 413, `login: ${login.status} ${login.body}`)
    const json = await sendLargeBody(server.url, { path: api.new('Client'), cookie, contentType: 'application/json', declaredLength: 800 * MB, maxBytes: 8 * 1024 })
    assert.equal(json.status, 413, `json: ${json.status} ${json.body}`)
    assert.match(json.body, /too large/)
    // The same without a Content-Length (chunked): refused once the bytes counted pass the limit.
    const chunked = await sendLargeBody(server.url, { path: api.new('Client'), cookie, contentType: 'application/x-www-form-urlencoded', maxBytes: 64 * MB })
    assert.equal(chunked.status, 413, `chunked: ${chunked.status} ${chunked.body}`)
    assert.ok(chunked.sentBytes < 16 * MB, `refused after ${chunked.sentBytes} bytes, not at the end`)
    const chunkedLogin = await sendLargeBody(server.url, { path: '/admin/login', contentType: 'application/json', maxBytes: 64 * MB })
    assert.equal(chunkedLogin.status, 413, `chunked login: ${chunkedLogin.status}`)
    // Nobody signed in: a body to any other address is not read at all (the answer is the login page).
    const anonymous = await sendLargeBody(server.url, { path: api.new('Client'), contentType: 'application/x-www-form-urlencoded', declaredLength: 600 * MB, maxBytes: 8 * 1024 })
    assert.equal(anonymous.status, 302, `anonymous: ${anonymous.status}`)
    assert.ok(anonymous.ms < 10_000, 'answered without waiting for the body')
    await stillServing()

    // Multipart with a file: anonymous, to the login form, signed in to a form, signed in to the import.
    const upload = multipartWithFile(100 * 1024)
    const post = (path: string, withCookie: boolean, body = upload) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': body.contentType, ...(withCookie ? { cookie } : {}) },
        body: body.body,
      })
    assert.equal((await post(api.new('Client'), false)).status, 302)
    assert.ok([400, 413].includes((await post('/admin/login', false)).status), 'the login form takes no file')
    assert.equal((await post(api.new('Client'), true)).status, 400, 'a panel form takes no file')
    const imported = await post('/admin/imports/Client', true, multipartWithFile(1 * MB))
    // It reaches the import, which reads it (this one is no CSV: a 400 about its contents, not its size).
    assert.ok(![413, 500].includes(imported.status), `a file within IMPORT_MAX_BYTES reaches the import route (${imported.status})`)
    if (imported.status === 400) assert.doesNotMatch(await imported.text(), /too large|limit/i)
    const tooBig = await post('/admin/imports/Client', true, multipartWithFile(3 * MB))
    assert.equal(tooBig.status, 413, 'the import has its own limit (IMPORT_MAX_BYTES)')
    await stillServing()
    assert.deepEqual(uploadsIn(tempFolder), tempBefore, 'no file left in the temp folder')
  })
})

describe('login limits', () => {
  let t: TestApp
  let base: string
  let listening: Listening
  let listener: http.Server
  before(async () => {
    t = await startTestApp({ trustProxy: '1' })
    listening = await listen(t.app)
    ;({ base, server: listener } = listening)
  })
  after(async () => {
    await listening?.close()
    await t?.close()
  })

  const attempt = (path: string, email: string, password: string, address: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
      body: new URLSearchParams({ email, password }),
    })

  test('3a. 50 wrong logins from one address, whatever the path spelling, end in 429 on every spelling', async () => {
    const spellings = ['/admin/login', '/admin//login', '/admin/login/', '/ADMIN/Login', '//admin//login//', '/admin///login']
    for (let i = 0; i < 50; i += 1) {
      const response = await attempt(spellings[i % spellings.length], `nobody-${i}@example.com`, 'wrong-password', '203.0.113.50')
      assert.equal(response.status, 200, `attempt ${i + 1} is a login attempt (${spellings[i % spellings.length]})`)
      assert.match(await response.text(), /"errorMessage":"invalidCredentials"/)
    }
    for (const spelling of spellings) {
      const response = await attempt(spelling, 'admin@example.com', PASSWORD, '203.0.113.50')
      assert.equal(response.status, 429, `${spelling} is refused too`)
    }
    assert.equal((await attempt('/admin/login', 'admin@example.com', PASSWORD, '198.51.100.1')).status, 302, 'another address is not')
  })

  test('3b. 100 parallel guesses and the right password: only the allowed number is checked, the account is locked', async () => {
    const target = 'manager2@example.com'
    const guesses = Array.from({ length: 100 }, (_, i) => attempt('/admin/login', target, `guess-${i}`, `10.1.${i >> 8}.${i & 255}`))
    const right = attempt('/admin/login', target, PASSWORD, '10.2.0.1')
    const answers = await Promise.all([...guesses, right].map(async (response) => {
      const r = await response
      return { status: r.status, text: await r.text() }
    }))
    const rightAnswer = answers.at(-1)!
    assert.notEqual(rightAnswer.status, 302, 'the right password sent among the guesses did not log in')
    const checked = answers.filter((answer) => /"errorMessage":"invalidCredentials"/.test(answer.text)).length
    assert.ok(checked <= t.config.loginMaxFailures, `${checked} guesses were checked, at most ${t.config.loginMaxFailures} may be`)
    const later = await attempt('/admin/login', target, PASSWORD, '10.3.0.1')
    assert.notEqual(later.status, 302)
    assert.match(await later.text(), /Too many failed logins for this account/)
  })

  test('11a. an object or a list in the e-mail or password field is a wrong login, never an exception text', async () => {
    const bodies: Array<[string, string]> = [
      ['application/json', '{"email":{"toString":1},"password":"x"}'],
      ['application/json', '{"email":"admin@example.com","password":{"toString":1}}'],
      ['application/json', '{"email":["admin@example.com"],"password":"x"}'],
      ['application/x-www-form-urlencoded', 'email[a]=1&password=x'],
      ['application/x-www-form-urlencoded', 'email=a@example.com&email=b@example.com&password=x'],
    ]
    for (const [type, body] of bodies) {
      const response = await fetch(`${base}/admin/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': type, 'x-forwarded-for': '192.0.2.77' }, body })
      const text = await response.text()
      assert.notEqual(response.status, 302)
      assert.ok(response.status < 500, `${body}: ${response.status}`)
      assert.match(text, /"errorMessage":"invalidCredentials"/, `${body} shows the wrong-login message`)
      assert.doesNotMatch(text, /Cannot convert|TypeError|primitive/, `${body} shows no exception text`)
    }
  })
})

describe('pages, origins and sessions', () => {
  let t: TestApp
  let base: string
  let listening: Listening
  let listener: http.Server
  before(async () => {
    t = await startTestApp()
    listening = await listen(t.app)
    ;({ base, server: listener } = listening)
  })
  after(async () => {
    await listening?.close()
    await t?.close()
  })

  test('8. a user name that closes the script block stays inert text; no inline script without the nonce', async () => {
    const name = `</script><script>alert(1)</script>\u2028'"&`
    await t.models.AdminUser.create({ email: 'scripted@example.com', name, role: 'manager', password: PASSWORD })
    const viewer = await t.loginAs('scripted@example.com')
    const page = await viewer.get('/admin').set('Accept', 'text/html')
    assert.equal(page.status, 200)
    assert.ok(!page.text.includes('</script><script>alert(1)</script>'), 'the name is not written raw')
    assert.ok(page.text.includes('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e'), 'the name is in the state, escaped')
    assert.ok(!page.text.includes('\u2028'), 'no raw line separator in a script')
    const csp = String(page.headers['content-security-policy'])
    const scriptSrc = /script-src ([^;]*)/.exec(csp)![1]
    assert.doesNotMatch(scriptSrc, /unsafe-inline/)
    const nonce = /'nonce-([^']+)'/.exec(scriptSrc)![1]
    const inlineScripts = [...page.text.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)]
    assert.ok(inlineScripts.length >= 2)
    for (const [, attributes] of inlineScripts) assert.equal(attributes.trim(), `nonce="${nonce}"`, 'every inline script carries the nonce')
    // The state still reads back as the very name.
    const state = /window\.REDUX_STATE = (.*);\n/.exec(page.text)![1]
    assert.equal(JSON.parse(state).session.name, name)

    // A second page gets another nonce.
    const again = await viewer.get('/admin').set('Accept', 'text/html')
    assert.notEqual(/'nonce-([^']+)'/.exec(String(again.headers['content-security-policy']))![1], nonce)
    // The login page's quoted state: a message with quotes, backslashes and a script end reads back whole.
    const login = await request(t.app).get('/admin/login')
    assert.doesNotMatch(String(login.headers['content-security-policy']), /script-src[^;]*unsafe-inline/)
    const message = `it's "quoted" \\ </script><script>alert(3)</script>\u2028`
    const loginHtml = hardenPage(await t.admin.renderLogin({ action: '/admin/login', errorMessage: message }), 'n0nce')
    assert.ok(!loginHtml.includes('</script><script>alert(3)'))
    const stateScript = /<script nonce="n0nce">(\s*try \{[\s\S]*?)<\/script>/.exec(loginHtml)![1]
    const sandbox = { window: {} as Record<string, any>, console }
    runInNewContext(stateScript, sandbox)
    assert.equal(sandbox.window.__APP_STATE__.errorMessage, message)
  })

  /** Signed in through the listening server, so that `base` is the requests' own origin. */
  const signedIn = async (email: string) => {
    const agent = request.agent(listener)
    assert.equal((await agent.post('/admin/login').type('form').send({ email, password: PASSWORD })).status, 302)
    return agent
  }

  test('10. a state-changing request from another site is refused; logout is a POST', async () => {
    const admin = await signedIn('admin@example.com')
    const before = await t.models.Client.count()
    const form = () => validClientForm({ managerId: String(t.ids.manager1) })
    for (const [header, value] of [
      ['Origin', 'https://evil.example'],
      ['Origin', 'null'],
      ['Origin', base.replace('127.0.0.1', 'localhost')],
      ['Referer', 'https://evil.example/page'],
      ['Sec-Fetch-Site', 'cross-site'],
      ['Sec-Fetch-Site', 'same-site'],
    ]) {
      const response = await admin.post(api.new('Client')).set(header, value).type('form').send(form())
      assert.equal(response.status, 403, `${header}: ${value}`)
      assert.match(String(response.headers['content-type']), /json/)
    }
    assert.equal(await t.models.Client.count(), before, 'nothing saved')
    // A login from another site (login CSRF) is refused too.
    const crossLogin = await request(listener).post('/admin/login').set('Origin', 'https://evil.example').type('form').send({ email: 'admin@example.com', password: PASSWORD })
    assert.equal(crossLogin.status, 403)

    // The panel's own pages post with their own origin; scripts post with none.
    const own = await admin.post(api.new('Client')).set('Origin', base).set('Sec-Fetch-Site', 'same-origin').type('form').send(form())
    assert.equal(own.body.notice?.type, 'success', JSON.stringify(own.body))
    const script = await admin.post(api.new('Client')).type('form').send(form())
    assert.equal(script.body.notice?.type, 'success')

    // Logout: a GET (a link, an image on another site) only shows a button; a cross-site POST is refused.
    const agent = await signedIn('manager1@example.com')
    const shown = await agent.get('/admin/logout')
    assert.equal(shown.status, 200)
    assert.match(shown.text, /<form method="post" action="\/admin\/logout">/)
    assert.equal((await agent.get(api.list('Client'))).status, 200, 'GET did not log out')
    assert.equal((await agent.post('/admin/logout').set('Origin', 'https://evil.example')).status, 403)
    assert.equal((await agent.get(api.list('Client'))).status, 200, 'a cross-site POST did not log out')
    const loggedOut = await agent.post('/admin/logout').set('Origin', base)
    assert.equal(loggedOut.status, 302)
    assert.equal(loggedOut.headers.location, '/admin/login')
    assert.equal((await agent.get(api.list('Client'))).status, 302, 'the session is gone')
  })

  test('11b. a password change ends the user\'s other sessions, whoever changes it', async () => {
    const first = await t.loginAs('manager2@example.com')
    const second = await t.loginAs('manager2@example.com')
    assert.equal((await first.get(api.list('Client'))).status, 200)
    const admin = await t.loginAs('admin@example.com')
    const changed = await admin.post(api.record('AdminUser', t.ids.manager2, 'edit')).type('form').send({ password: 'a-brand-new-password-1', passwordConfirmation: 'a-brand-new-password-1' })
    assert.equal(changed.body.notice?.type, 'success', JSON.stringify(changed.body))
    for (const session of [first, second]) assert.equal((await session.get(api.list('Client'))).status, 401, 'the session ended')
    assert.equal((await admin.get(api.list('Client'))).status, 200, 'the changer\'s own session is untouched')
    await t.loginAs('manager2@example.com', 'a-brand-new-password-1')

    // An administrator changing their own password (on their account page: issue #25 keeps the
    // Admin users form from doing it) keeps the session they did it in; their others end.
    const elsewhere = await t.loginAs('admin@example.com')
    const own = await admin.post('/admin/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'my-own-new-password-2', newPasswordConfirmation: 'my-own-new-password-2' })
    assert.equal(own.status, 200, JSON.stringify(own.body))
    assert.equal((await admin.get(api.list('Client'))).status, 200, 'the session that changed it goes on')
    assert.equal((await elsewhere.get(api.list('Client'))).status, 401, 'the other session ended')
    // A password set straight in the database ends sessions too.
    const direct = await t.loginAs('manager1@example.com')
    await t.db.sequelize.query(`UPDATE admin_users SET password_hash = '$2b$04$' || repeat('x', 53) WHERE id = :id`, { replacements: { id: t.ids.manager1 } })
    assert.equal((await direct.get(api.list('Client'))).status, 401)
  })
})

test('11c. TRUST_PROXY must name the proxy hops: `true` is refused, a hop count or address list is kept', () => {
  assert.throws(() => parseConfig({ TRUST_PROXY: 'true' }), (error: unknown) => error instanceof ConfigError && /TRUST_PROXY.*hop/.test(error.message))
  assert.throws(() => parseConfig({ TRUST_PROXY: 'everyone' }), ConfigError)
  assert.equal(parseConfig({ TRUST_PROXY: '1' }).trustProxy, '1')
  assert.equal(parseConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy, '10.0.0.0/8, loopback')
  assert.equal(parseConfig({ TRUST_PROXY: 'false' }).trustProxy, undefined)
  assert.equal(parseConfig({}).importMaxBytes, 20 * MB)
})
