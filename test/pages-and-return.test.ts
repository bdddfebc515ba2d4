import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generate } from 'otplib'
import request from 'supertest'
import { safeReturnPath } from '../src/http/return-to.js'
import { api, createClient, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'

// What a browser gets on the way in and when something is refused (issue #27): the login comes
// back to the page a link named, only ever to this panel; pages a browser opens are pages, never
// JSON or framework text; the panel's own fetches keep their JSON.

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-mode': 'navigate' }
const appState = (html: string) => JSON.parse(/window\.__APP_STATE__ = JSON\.parse\('(.*)'\);/.exec(html)![1].replace(/\\u003c/g, '<').replace(/\\u003e/g, '>').replace(/\\u0026/g, '&').replace(/\\'/g, "'").replace(/\\\\/g, '\\'))

describe('return after login, error pages', () => {
  let t: TestApp
  let clientId: number
  before(async () => {
    t = await startTestApp()
    clientId = await createClient(t, 'return-01')
  })
  after(async () => {
    await t?.close()
  })

  test('only paths of this panel are followed back', () => {
    const root = '/admin'
    assert.equal(safeReturnPath('/admin/resources/Client/records/5/show', root), '/admin/resources/Client/records/5/show')
    assert.equal(safeReturnPath('/admin/resources/Client/actions/list?filters.login=a#x', root), '/admin/resources/Client/actions/list?filters.login=a#x')
    for (const refused of ['https://evil.example/admin', '//evil.example/admin', '/\\evil.example', '/admin\\..\\x', 'javascript:alert(1)', '/adminx', '/other', '/admin/login', '/admin/logout', '/admin/\n', ' /admin', '', undefined, ['/admin']]) {
      assert.equal(safeReturnPath(refused, root), undefined, `${JSON.stringify(refused)} is refused`)
    }
    // Dot segments cannot climb out of the panel.
    assert.equal(safeReturnPath('/admin/../evil', root), undefined)
  })

  test('a logged-out browser opening a client goes to the login page and, after it, back to the client', async () => {
    const target = `/admin/resources/Client/records/${clientId}/show`
    const agent = request.agent(t.app)
    const opened = await agent.get(target).set(BROWSER).expect(302)
    assert.equal(opened.headers.location, `/admin/login?next=${encodeURIComponent(target)}`)
    const page = await agent.get(opened.headers.location).set(BROWSER).expect(200)
    assert.equal(appState(page.text).action, `/admin/login?next=${encodeURIComponent(target)}`, 'the form posts the way back along')

    // A wrong password: the e-mail stays in the form, the way back too, and no session is kept.
    const wrong = await agent.post(`/admin/login?next=${encodeURIComponent(target)}`).type('form').send({ email: 'manager1@example.com', password: 'wrong-password-1' })
    assert.ok([200, 400].includes(wrong.status))
    assert.equal(appState(wrong.text).email, 'manager1@example.com')
    assert.equal(appState(wrong.text).action, `/admin/login?next=${encodeURIComponent(target)}`)
    assert.equal(wrong.headers['set-cookie'], undefined, 'a refused login leaves no session cookie')

    const right = await agent.post(`/admin/login?next=${encodeURIComponent(target)}`).type('form').send({ email: 'manager1@example.com', password: PASSWORD }).expect(302)
    assert.equal(right.headers.location, target)
  })

  test('an absolute or protocol-relative next is refused: the login goes home', async () => {
    for (const next of ['https://evil.example/admin', '//evil.example/admin', '/\\evil.example/admin']) {
      const agent = request.agent(t.app)
      const page = await agent.get(`/admin/login?next=${encodeURIComponent(next)}`).set(BROWSER).expect(200)
      assert.equal(appState(page.text).action, '/admin/login', `${next} is not carried`)
      const login = await agent.post(`/admin/login?next=${encodeURIComponent(next)}`).type('form').send({ email: 'manager1@example.com', password: PASSWORD }).expect(302)
      assert.equal(login.headers.location, '/admin', `${next} is not followed`)
    }
  })

  test('the way back survives the two-factor step', async () => {
    const email = 'second-step@example.com'
    await t.models.AdminUser.create({ email, name: email, role: 'admin', password: PASSWORD })
    const enrolled = await t.loginAs(email)
    const started = await enrolled.post('/admin/api/account/two-factor').expect(200)
    await enrolled.post('/admin/api/account/two-factor/confirm').send({ code: await generate({ secret: started.body.secret }) }).expect(200)

    const target = '/admin/resources/Client/actions/list?filters.login=return'
    const agent = request.agent(t.app)
    const login = await agent.post(`/admin/login?next=${encodeURIComponent(target)}`).type('form').send({ email, password: PASSWORD }).expect(302)
    assert.equal(login.headers.location, '/admin/login/two-factor')
    const step = await agent.get('/admin/login/two-factor').set(BROWSER).expect(200)
    assert.match(step.text, /autocomplete="one-time-code"/)
    assert.match(step.text, /<label for="code">/)
    const code = await generate({ secret: started.body.secret, epoch: Math.floor(Date.now() / 1000) + 30 })
    const done = await agent.post('/admin/login/two-factor').type('form').send({ code }).expect(302)
    assert.equal(done.headers.location, target)
  })

  test('a logged-out browser opening an export link goes to the login page and back; a script still gets 401 JSON', async () => {
    const target = '/admin/exports/Client.csv?filters.login=return'
    const agent = request.agent(t.app)
    const opened = await agent.get(target).set(BROWSER).expect(302)
    assert.equal(opened.headers.location, `/admin/login?next=${encodeURIComponent(target)}`)
    const login = await agent.post(opened.headers.location).type('form').send({ email: 'admin@example.com', password: PASSWORD }).expect(302)
    assert.equal(login.headers.location, target)
    const csv = await agent.get(target).set(BROWSER).expect(200)
    assert.match(csv.headers['content-type'], /text\/csv/)

    const script = await request(t.app).get(target).expect(401)
    assert.match(script.headers['content-type'], /json/)
    const importPage = await request(t.app).get('/admin/resources/Client/actions/importCsv').set(BROWSER).expect(302)
    assert.equal(importPage.headers.location, `/admin/login?next=${encodeURIComponent('/admin/resources/Client/actions/importCsv')}`)
  })

  test('refusals and unknown addresses a browser opens are pages in the panel look; fetches keep JSON', async () => {
    const manager = await t.loginAs('manager2@example.com')
    const refused = await manager.get('/admin/exports/Client.csv?filters.nonsense=1').set(BROWSER)
    assert.ok(refused.status >= 400 && refused.status < 500, `status ${refused.status}`)
    assert.match(refused.headers['content-type'], /html/)
    assert.doesNotMatch(refused.text, /^\s*\{/)
    assert.match(refused.text, /Back to the panel/)
    const byScript = await manager.get('/admin/exports/Client.csv?filters.nonsense=1')
    assert.match(byScript.headers['content-type'], /json/)

    const missing = await manager.get('/admin/no-such-page').set(BROWSER).expect(404)
    assert.match(missing.headers['content-type'], /html/)
    assert.match(missing.text, /Page not found/)
    assert.match(missing.text, /href="\/admin"/)
    const missingApi = await manager.get('/admin/api/no-such-thing').set(BROWSER).expect(404)
    assert.match(missingApi.headers['content-type'], /json/)

    // The panel's record API for a client that is not this manager's keeps its JSON answer.
    const notYours = await manager.get(api.record('Client', clientId, 'show')).expect(200)
    assert.equal(notYours.body.notice?.type, 'error')
  })

  test('the logout confirmation and the two-factor step are pages in the panel look', async () => {
    const agent = await t.loginAs('admin@example.com')
    const page = await agent.get('/admin/logout').set(BROWSER).expect(200)
    assert.match(page.text, /<h1>Log out<\/h1>/)
    assert.match(page.text, /class="card"/)
    assert.match(page.text, /\/assets\/fonts\/roboto\/400\.css/)
  })
})
