/**
 * The server side of the "My account" page and of the AdminUser action "Reset two-factor"
 * (issue #19), called around the panel: the enrolment's QR code comes with the answer (drawn here,
 * no outside service), the password form's confirmation is checked, an administrator sees whether a
 * user has two-factor login (never its secret) and resets it with a history entry; a manager
 * reaches none of the administrators' parts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generate } from 'otplib'
import QRCode from 'qrcode'
import type request from 'supertest'
import { api, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'

const isRefused = (body: any) => body.notice?.type === 'error' && body.record?.baseError?.type === 'ForbiddenError'

describe('the account page and the two-factor reset, around the panel', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(async () => {
    await t?.close()
  })

  const historyOf = async (userId: number, action: string) =>
    (
      await t.db.sequelize.query(`SELECT actor_email FROM change_history WHERE resource = 'AdminUser' AND record_id = :userId AND action = :action ORDER BY id`, {
        replacements: { userId, action },
      })
    )[0] as { actor_email: string }[]

  async function enrol(agent: request.Agent) {
    const started = await agent.post('/admin/api/account/two-factor').expect(200)
    await agent.post('/admin/api/account/two-factor/confirm').send({ code: await generate({ secret: started.body.secret }) }).expect(200)
    return started.body as { secret: string; otpauthUrl: string; qrDataUrl: string }
  }

  test('the enrolment answer carries its QR code as a PNG data URL of the otpauth address, drawn on the server', async () => {
    const manager = await t.loginAs('manager2@example.com')
    const started = (await manager.post('/admin/api/account/two-factor').expect(200)).body
    assert.match(started.qrDataUrl, /^data:image\/png;base64,[A-Za-z0-9+/=]+$/)
    assert.equal(started.qrDataUrl, await QRCode.toDataURL(started.otpauthUrl, { margin: 1, width: 220 }), 'the same image the qrcode library draws for this address')
    assert.match(started.otpauthUrl, new RegExp(`secret=${started.secret}`))
    assert.match(started.otpauthUrl, /issuer=SMS(%20| )Client(%20| )Admin/)
    // Not confirmed: the page's state says off, and the page answers for everyone.
    assert.deepEqual((await manager.get('/admin/api/account').expect(200)).body.twoFactor, { enrolled: false, recoveryCodesLeft: 0 })
    const page = await manager.get('/admin/pages/account').expect(200)
    assert.match(page.text, /window\.REDUX_STATE/)
  })

  test('the new password must match its confirmation when one is sent; nothing changes otherwise', async () => {
    const user = await t.loginAs('manager1@example.com')
    const refused = await user
      .post('/admin/api/account/password')
      .send({ currentPassword: PASSWORD, newPassword: 'a-brand-new-password', newPasswordConfirmation: 'a-brand-new-passwort' })
      .expect(400)
    assert.deepEqual(Object.keys(refused.body.errors), ['newPasswordConfirmation'])
    assert.match(refused.body.errors.newPasswordConfirmation.message, /does not match/)
    assert.equal((await historyOf(t.ids.manager1, 'password_changed')).length, 0)
    await t.loginAs('manager1@example.com') // the old password still works
    const short = await user.post('/admin/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'short', newPasswordConfirmation: 'short' }).expect(400)
    assert.ok(short.body.errors.newPassword)
    const wrongOld = await user
      .post('/admin/api/account/password')
      .send({ currentPassword: 'not-my-password', newPassword: 'a-brand-new-password', newPasswordConfirmation: 'a-brand-new-password' })
      .expect(400)
    assert.deepEqual(Object.keys(wrongOld.body.errors), ['currentPassword'])
  })

  test('a password change breaking several rules gets every error at once, each on its field; the same password again is refused', async () => {
    const user = await t.loginAs('manager2@example.com')
    const all = await user
      .post('/admin/api/account/password')
      .send({ currentPassword: 'not-my-password', newPassword: 'short', newPasswordConfirmation: 'shorter' })
      .expect(400)
    assert.deepEqual(Object.keys(all.body.errors), ['currentPassword', 'newPassword', 'newPasswordConfirmation'])
    assert.match(all.body.errors.currentPassword.message, /current password is not right/)
    assert.match(all.body.errors.newPassword.message, /characters/)
    assert.match(all.body.errors.newPasswordConfirmation.message, /does not match/)
    const two = await user
      .post('/admin/api/account/password')
      .send({ currentPassword: PASSWORD, newPassword: 'short', newPasswordConfirmation: 'a-brand-new-password' })
      .expect(400)
    assert.deepEqual(Object.keys(two.body.errors), ['newPassword', 'newPasswordConfirmation'])
    const same = await user.post('/admin/api/account/password').send({ currentPassword: PASSWORD, newPassword: PASSWORD, newPasswordConfirmation: PASSWORD }).expect(400)
    assert.deepEqual(Object.keys(same.body.errors), ['newPassword'])
    assert.match(same.body.errors.newPassword.message, /differ from the current/)
    assert.equal((await historyOf(t.ids.manager2, 'password_changed')).length, 0)
    await t.loginAs('manager2@example.com') // nothing changed: the old password still works
  })

  test("an administrator sees whether a user has two-factor login, never its secret, and resets it (recorded); a manager reaches neither", async () => {
    const target = Number((await t.models.AdminUser.create({ email: 'lost-phone@example.com', name: 'Lee Lostphone', role: 'manager', password: PASSWORD })).get('id'))
    const owner = await t.loginAs('lost-phone@example.com')
    const admin = await t.loginAs('admin@example.com')
    const manager = await t.loginAs('manager1@example.com')
    const stateOf = (agent: request.Agent, id: number | string) => agent.get(`/admin/api/account/users/${id}/two-factor`)

    assert.deepEqual((await stateOf(admin, target).expect(200)).body, { twoFactor: { enrolled: false, recoveryCodesLeft: 0 } })
    const { secret } = await enrol(owner)
    const [[{ sealed }]] = (await t.db.sequelize.query('SELECT secret AS sealed FROM admin_user_two_factor WHERE user_id = :id', { replacements: { id: target } })) as [{ sealed: string }[], unknown]
    const seen = await stateOf(admin, target).expect(200)
    assert.deepEqual(seen.body, { twoFactor: { enrolled: true, recoveryCodesLeft: 10 } })

    // The record action's page: administrators only; its answer carries no secret either.
    const actionPage = await admin.get(api.record('AdminUser', target, 'resetTwoFactor')).expect(200)
    assert.equal(actionPage.body.record.params.email, 'lost-phone@example.com')
    for (const answer of [seen, actionPage, await owner.get('/admin/api/account').expect(200), await owner.post('/admin/api/account/two-factor').expect(409)]) {
      const text = JSON.stringify(answer.body)
      assert.ok(!text.includes(secret) && !text.includes(sealed), 'no secret, sealed or not, in any answer')
      assert.ok(!/passwordHash|password_hash/.test(text))
    }
    assert.ok(isRefused((await manager.get(api.record('AdminUser', target, 'resetTwoFactor')).expect(200)).body), 'a manager cannot open the action')
    assert.ok(isRefused((await manager.post(api.record('AdminUser', target, 'resetTwoFactor')).send({}).expect(200)).body))
    await stateOf(manager, target).expect(403)
    await stateOf(owner, target).expect(403) // not even their own: the page shows theirs
    await manager.post(`/admin/api/account/users/${target}/two-factor/reset`).expect(403)
    await manager.get('/admin/api/account/settings').expect(403)
    await manager.post('/admin/api/account/settings').send({ twoFactorRequired: 'off' }).expect(403)
    await stateOf(admin, 'abc').expect(404)
    await stateOf(admin, 999999).expect(404)
    await admin.post('/admin/api/account/users/999999/two-factor/reset').expect(404)
    assert.equal((await stateOf(admin, target).expect(200)).body.twoFactor.enrolled, true, 'nothing was reset by the refused calls')

    const reset = await admin.post(`/admin/api/account/users/${target}/two-factor/reset`).expect(200)
    assert.deepEqual(reset.body, { ok: true, reset: true })
    assert.deepEqual((await stateOf(admin, target).expect(200)).body.twoFactor, { enrolled: false, recoveryCodesLeft: 0 })
    assert.deepEqual(await historyOf(target, 'two_factor_reset'), [{ actor_email: 'admin@example.com' }])
    // The history entry reads as an account event on the user's history.
    const entries = await admin.get(`${api.list('ChangeHistory')}?filters.recordId=${target}&filters.action=two_factor_reset`).expect(200)
    assert.ok(entries.body.records.some((record: any) => /Two-factor login reset/.test(record.params.summary)), 'listed in the change history')

    // Nothing left to reset: answered, not recorded again.
    assert.deepEqual((await admin.post(`/admin/api/account/users/${target}/two-factor/reset`).expect(200)).body, { ok: true, reset: false })
    assert.equal((await historyOf(target, 'two_factor_reset')).length, 1)
  })
})
