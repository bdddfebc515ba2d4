import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generate } from 'otplib'
import request from 'supertest'
import { api, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'

const now = () => Math.floor(Date.now() / 1000)
/** The code of the next 30-second step: later than any step used so far, still inside the tolerance. */
const nextCode = (secret: string) => generate({ secret, epoch: now() + 30 })

describe('two-factor login, own account and session lifetime', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp({ loginMaxFailures: 4 })
  })
  after(async () => {
    await t?.close()
  })

  const historyOf = async (userId: number, action: string) =>
    (
      await t.db.sequelize.query(`SELECT actor_email, changes FROM change_history WHERE resource = 'AdminUser' AND record_id = :userId AND action = :action ORDER BY id`, {
        replacements: { userId, action },
      })
    )[0] as { actor_email: string; changes: Record<string, unknown> }[]

  const makeUser = async (email: string, role = 'manager') =>
    Number((await t.models.AdminUser.create({ email, name: email, role, password: PASSWORD })).get('id'))

  async function enrol(agent: request.Agent) {
    const started = await agent.post('/admin/api/account/two-factor').expect(200)
    assert.match(started.body.secret, /^[A-Z2-7]{16,}$/)
    assert.match(started.body.otpauthUrl, /^otpauth:\/\/totp\//)
    const confirmed = await agent.post('/admin/api/account/two-factor/confirm').send({ code: await generate({ secret: started.body.secret }) }).expect(200)
    assert.equal(confirmed.body.recoveryCodes.length, 10)
    return { secret: started.body.secret as string, recoveryCodes: confirmed.body.recoveryCodes as string[] }
  }
  const passwordOnly = async (email: string, password = PASSWORD) => {
    const agent = request.agent(t.app)
    const response = await agent.post('/admin/login').type('form').send({ email, password })
    return { agent, response }
  }

  test('enrol, then the password alone reaches nothing; a code logs in once; a recovery code works once', async () => {
    const owner = await t.loginAs('manager1@example.com')
    const wrong = await owner.post('/admin/api/account/two-factor').expect(200)
    await owner.post('/admin/api/account/two-factor/confirm').send({ code: '000000' }).expect(400)
    assert.equal(typeof wrong.body.secret, 'string')
    const { secret, recoveryCodes } = await enrol(owner)
    assert.equal((await historyOf(t.ids.manager1, 'two_factor_enrolled')).length, 1)

    // Encrypted at rest; never in an answer.
    const [[stored]] = (await t.db.sequelize.query('SELECT secret FROM admin_user_two_factor WHERE user_id = :id', { replacements: { id: t.ids.manager1 } })) as [{ secret: string }[], unknown]
    assert.ok(!stored.secret.includes(secret), 'the stored column is not the base32 secret')
    assert.match(stored.secret, /^v1:/)
    const admin = await t.loginAs('admin@example.com')
    for (const path of [api.list('AdminUser'), api.record('AdminUser', t.ids.manager1, 'show'), '/admin/api/account']) {
      const answer = await admin.get(path).expect(200)
      assert.ok(!JSON.stringify(answer.body).includes(secret), `${path} shows no secret`)
      assert.ok(!JSON.stringify(answer.body).includes(stored.secret), `${path} shows no sealed secret`)
    }
    await owner.post('/admin/api/account/two-factor').expect(409) // not again while active

    const { agent, response } = await passwordOnly('manager1@example.com')
    assert.equal(response.status, 302)
    assert.equal(response.headers.location, '/admin/login/two-factor')
    await agent.get(api.list('Client')).expect(401)
    await agent.get(api.record('AdminUser', t.ids.manager1, 'show')).expect(401)
    const dashboard = await agent.get('/admin').expect(302)
    assert.equal(dashboard.headers.location, '/admin/login/two-factor')
    const page = await agent.get('/admin/login/two-factor').expect(200)
    assert.match(page.text, /name="code"/)
    assert.doesNotMatch(page.text, /<script/)
    await agent.post('/admin/login/two-factor').type('form').send({ code: '123456' }).expect(401)

    const code = await nextCode(secret)
    const ok = await agent.post('/admin/login/two-factor').type('form').send({ code }).expect(302)
    assert.equal(ok.headers.location, '/admin')
    await agent.get(api.list('Client')).expect(200)

    const replay = await passwordOnly('manager1@example.com')
    await replay.agent.post('/admin/login/two-factor').type('form').send({ code }).expect(401)
    await replay.agent.get(api.list('Client')).expect(401)

    const recovery = await passwordOnly('manager1@example.com')
    await recovery.agent.post('/admin/login/two-factor').type('form').send({ code: recoveryCodes[0] }).expect(302)
    await recovery.agent.get(api.list('Client')).expect(200)
    assert.equal((await historyOf(t.ids.manager1, 'recovery_code_used')).length, 1)
    const again = await passwordOnly('manager1@example.com')
    await again.agent.post('/admin/login/two-factor').type('form').send({ code: recoveryCodes[0] }).expect(401)

    const logins = await historyOf(t.ids.manager1, 'login')
    assert.ok(logins.length >= 3)
    assert.ok('address' in logins.at(-1)!.changes && 'browser' in logins.at(-1)!.changes)

    // An admin resets it (recorded); the user then logs in with the password alone.
    await owner.post(`/admin/api/account/users/${t.ids.manager1}/two-factor/reset`).expect(403)
    await admin.post(`/admin/api/account/users/${t.ids.manager1}/two-factor/reset`).expect(200)
    const reset = await historyOf(t.ids.manager1, 'two_factor_reset')
    assert.equal(reset.length, 1)
    assert.equal(reset[0].actor_email, 'admin@example.com')
    const plain = await passwordOnly('manager1@example.com')
    assert.equal(plain.response.headers.location, '/admin')
  })

  test('wrong codes count toward the same lockout as wrong passwords', async () => {
    const id = await makeUser('locked@example.com')
    const { secret } = await enrol(await t.loginAs('locked@example.com'))
    await passwordOnly('locked@example.com', 'wrong-password-1') // one wrong password
    // The right password counts too while the code is outstanding (a known password buys no fresh guesses).
    const { agent } = await passwordOnly('locked@example.com')
    for (let i = 0; i < 2; i++) await agent.post('/admin/login/two-factor').type('form').send({ code: '000000' }).expect(401)
    // Four attempts: the right code is refused now, and so is the right password.
    const refused = await agent.post('/admin/login/two-factor').type('form').send({ code: await nextCode(secret) })
    assert.equal(refused.status, 429)
    assert.match(refused.text, /Too many failed logins/)
    const login = await passwordOnly('locked@example.com')
    assert.notEqual(login.response.status, 302)
    assert.equal((await historyOf(id, 'login_failed')).length, 3)
    assert.equal((await historyOf(id, 'lockout')).length, 1)
  })

  test('required for admins: an admin without it is held at enrolment, a manager is not', async () => {
    // The setting is changed by an administrator who has two-factor login (and gave a code in this
    // session): since issue #25 a requirement holds at once for sessions already open.
    const setterId = await makeUser('setter@example.com', 'admin')
    const admin = await t.loginAs('setter@example.com')
    await enrol(admin)
    const openBefore = await t.loginAs('admin@example.com')
    const manager = await t.loginAs('manager2@example.com')
    await manager.post('/admin/api/account/settings').send({ twoFactorRequired: 'everyone' }).expect(403)
    await admin.post('/admin/api/account/settings').send({ twoFactorRequired: 'sometimes' }).expect(400)
    await admin.post('/admin/api/account/settings').send({ twoFactorRequired: 'admins' }).expect(200)
    // Recorded once, with both values; the refused attempts and a repeat of the same value are not entries.
    await admin.post('/admin/api/account/settings').send({ twoFactorRequired: 'admins' }).expect(200)
    const changes = await historyOf(setterId, 'settings_changed')
    assert.equal(changes.length, 1)
    assert.equal(changes[0].actor_email, 'setter@example.com')
    assert.deepEqual([changes[0].changes.setting, changes[0].changes.old, changes[0].changes.new], ['twoFactorRequired', 'off', 'admins'])
    try {
      // A session opened before the change is held at its next request, as a new login is.
      const heldOpen = await openBefore.get(api.list('Client')).expect(401)
      assert.equal(heldOpen.body.twoFactorRequired, true)
      assert.equal((await openBefore.get('/admin')).headers.location, '/admin/login/two-factor')
      await manager.get(api.list('Client')).expect(200)

      const held = await passwordOnly('admin@example.com')
      assert.equal(held.response.headers.location, '/admin/login/two-factor')
      const page = await held.agent.get('/admin/login/two-factor').expect(200)
      assert.match(page.text, /Set up two-factor login/)
      assert.match(page.text, /src="data:image\/png;base64,/)
      await held.agent.get(api.list('Client')).expect(401)
      await held.agent.get('/admin/api/account/sessions').expect(401)

      const free = await passwordOnly('manager2@example.com')
      assert.equal(free.response.headers.location, '/admin')
      await free.agent.get(api.list('Client')).expect(200)

      // Enrolling (here through the API the account page uses) lets the held session go on.
      await enrol(held.agent)
      await held.agent.get(api.list('Client')).expect(200)
    } finally {
      await admin.post('/admin/api/account/settings').send({ twoFactorRequired: 'off' }).expect(200)
      await admin.post(`/admin/api/account/users/${t.ids.admin}/two-factor/reset`).expect(200)
    }
  })

  test('changing the own password needs the old one and ends the other sessions; own sessions can be listed and ended', async () => {
    const id = await makeUser('changer@example.com')
    const here = await t.loginAs('changer@example.com')
    const elsewhere = await t.loginAs('changer@example.com')
    const third = await t.loginAs('changer@example.com')

    const listed = await here.get('/admin/api/account/sessions').expect(200)
    assert.equal(listed.body.sessions.length, 3)
    assert.equal(listed.body.sessions.filter((item: { current: boolean }) => item.current).length, 1)
    for (const item of listed.body.sessions) {
      assert.ok(item.startedAt && item.lastSeenAt && 'browser' in item && 'address' in item)
      assert.ok(!('sid' in item))
    }
    const other = listed.body.sessions.find((item: { current: boolean }) => !item.current)
    await here.delete(`/admin/api/account/sessions/${other.id}`).expect(200)
    assert.equal((await historyOf(id, 'session_ended')).length, 1)
    const stillThere = (await here.get('/admin/api/account/sessions').expect(200)).body.sessions.length
    assert.equal(stillThere, 2)
    // Someone else's session is not theirs to end.
    const foreign = await t.loginAs('manager2@example.com')
    const foreignId = (await foreign.get('/admin/api/account/sessions').expect(200)).body.sessions[0].id
    await here.delete(`/admin/api/account/sessions/${foreignId}`).expect(404)

    await here.post('/admin/api/account/password').send({ currentPassword: 'not-my-password', newPassword: 'a-brand-new-password' }).expect(400)
    await here.post('/admin/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'short' }).expect(400)
    await here.post('/admin/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'a-brand-new-password' }).expect(200)
    await here.get(api.list('Client')).expect(200)
    // One of these two was ended above (its cookie now finds no session: AdminJS sends it to the
    // login), the other ended with the password change (401); neither reaches the list.
    const answers = [await elsewhere.get(api.list('Client')).timeout(20000), await third.get(api.list('Client')).timeout(20000)]
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [302, 401])
    assert.equal((await historyOf(id, 'password_changed')).length, 1)
    await t.loginAs('changer@example.com', 'a-brand-new-password')
  })

  test('a session past its idle timeout or its absolute lifetime is refused', async () => {
    const idle = await t.loginAs('manager2@example.com')
    const old = await t.loginAs('manager2@example.com')
    await idle.get(api.list('Client')).expect(200)
    const setField = (field: string, ms: number, excluding?: string) =>
      t.db.sequelize.query(
        `UPDATE sessions SET sess = jsonb_set(sess::jsonb, :path, to_jsonb(CAST(:value AS bigint)))::json
          WHERE sess -> 'adminUser' ->> 'email' = 'manager2@example.com'${excluding ? ' AND sid <> :excluding' : ''}`,
        { replacements: { path: `{${field}}`, value: Date.now() - ms, excluding } },
      )
    await setField('lastSeenAt', t.config.sessionIdleMs + 60_000)
    await idle.get(api.list('Client')).expect(401)
    await old.get(api.list('Client')).expect(401)

    const fresh = await t.loginAs('manager2@example.com')
    await fresh.get(api.list('Client')).expect(200)
    await setField('startedAt', t.config.sessionMaxAgeMs + 60_000)
    await fresh.get(api.list('Client')).expect(401)
    assert.equal(t.config.sessionIdleMs, 30 * 60 * 1000)
    assert.equal(t.config.sessionMaxAgeMs, 12 * 3600 * 1000)
  })
})
