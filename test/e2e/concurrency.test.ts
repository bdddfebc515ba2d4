/**
 * Two people, one client, in real browsers (issue #18): Debian's Chromium driven by playwright-core,
 * two sessions (an admin and a manager) side by side against the app started in this process.
 * The second save of the same client is refused on the form, with what the user typed kept; the
 * client's history reverts a change in one click. Run with `npm run test:e2e`.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { SCREENSHOTS, browserSuite } from '../helpers/browser.js'
import { createClient, type TestApp } from '../helpers/harness.js'

const e2e = browserSuite({ watch: { consoleErrors: false, failedRequests: false, foreignRequests: false } })
const { problems } = e2e
let t: TestApp
let base: string
let clientId: number

before(async () => {
  ;({ t, base } = await e2e.start())
  clientId = await createClient(t, 'shared-client', { email: 'shared@example.com', company: 'Shared Original GmbH' })
})

after(() => e2e.close())

/** A page in a browser session of its own, logged in as `email`. */
async function sessionOf(email: string): Promise<Page> {
  const page = await e2e.newPage(email)
  await e2e.logInDirectly(page, email)
  return page
}

const field = (page: Page, name: string) => page.locator(`[data-testid=property-edit-${name}]`)

async function openEditForm(page: Page) {
  // Reloading a form with unsaved typing asks first (issue #27): here the user says leave.
  const leave = (dialog: import('playwright-core').Dialog) => void (dialog.type() === 'beforeunload' ? dialog.accept() : undefined)
  page.on('dialog', leave)
  await page.goto(`${base}/resources/Client/records/${clientId}/edit`, { waitUntil: 'domcontentloaded' }).finally(() => page.off('dialog', leave))
  await page.locator('#company').waitFor()
}

const stored = async () => (await t.models.Client.findByPk(clientId))!.get({ plain: true }) as Record<string, unknown>

test('two browsers edit the same client: the second save shows the error on the field and keeps what was typed', { timeout: 240_000 }, async () => {
  const adminPage = await sessionOf('admin@example.com')
  const managerPage = await sessionOf('manager1@example.com')
  await openEditForm(adminPage)
  await openEditForm(managerPage)

  await adminPage.locator('#company').fill('Changed by the admin')
  await adminPage.getByTestId('button-save').click()
  await adminPage.locator('[data-css=notice]').getByText(/Successfully/).waitFor()
  assert.equal((await stored()).company, 'Changed by the admin')

  await managerPage.locator('#company').fill('Typed by the manager')
  await managerPage.locator('#skype').fill('manager.typed')
  await managerPage.getByTestId('button-save').click()
  // The server's "… at 2026-12-06 23:25 UTC" in the panel's one format (the reader's locale and zone).
  const message = field(managerPage, 'company').getByText(/^Changed by admin@example\.com at .+ — reload to see the new value$/)
  await message.waitFor()
  assert.doesNotMatch(await message.innerText(), /UTC/)
  const notice = (await managerPage.locator('[data-css=notice]').innerText()) ?? ''
  assert.match(notice, /admin@example\.com at /)
  assert.doesNotMatch(notice, /UTC/, 'the notice names the moment as the rest of the panel does')
  assert.match(new URL(managerPage.url()).pathname, /\/records\/\d+\/edit$/, 'the form stays')
  assert.equal(await managerPage.locator('#company').inputValue(), 'Typed by the manager', 'what was typed is kept')
  assert.equal(await managerPage.locator('#skype').inputValue(), 'manager.typed')
  assert.equal(await field(managerPage, 'skype').getByText(/Changed by/).count(), 0, 'only fields changed since are marked')
  await field(managerPage, 'company').scrollIntoViewIfNeeded()
  await managerPage.screenshot({ path: path.join(SCREENSHOTS, 'stale-edit-refused.png') })
  const row = await stored()
  assert.equal(row.company, 'Changed by the admin', 'nothing of the second save is stored')
  assert.equal(row.skype, null)

  // After a reload the form holds the admin's value and the new version; the manager's save applies.
  await openEditForm(managerPage)
  assert.equal(await managerPage.locator('#company').inputValue(), 'Changed by the admin')
  await managerPage.locator('#skype').fill('manager.typed')
  await managerPage.getByTestId('button-save').click()
  await managerPage.locator('[data-css=notice]').getByText(/Successfully/).waitFor()
  assert.equal((await stored()).skype, 'manager.typed')

  // One click in the client's history reverts the admin's change.
  await managerPage.goto(`${base}/resources/Client/records/${clientId}/show`, { waitUntil: 'domcontentloaded' })
  const history = managerPage.getByTestId('client-history')
  const adminRow = history.locator('tr', { hasText: 'Company: Shared Original GmbH → Changed by the admin' })
  await adminRow.getByRole('button', { name: 'Revert this change' }).click()
  await history.getByText(/^Revert of entry #\d+/).waitFor()
  const reverted = await stored()
  assert.equal(reverted.company, 'Shared Original GmbH')
  assert.equal(reverted.skype, 'manager.typed', 'the other change stays')

  // The history offers no second revert; the entry's own "Revert this change" page (an old link)
  // still opens and says at once that it cannot apply, and why.
  assert.equal(await adminRow.getByRole('button', { name: 'Revert this change' }).count(), 0)
  const [{ id: adminEntry }] = (await t.db.sequelize.query(
    `SELECT id FROM change_history WHERE record_id = :id AND actor_email = 'admin@example.com' AND action = 'update' ORDER BY id DESC LIMIT 1`,
    { replacements: { id: clientId }, type: 'SELECT' as never },
  )) as unknown as { id: string }[]
  await managerPage.goto(`${base}/resources/ChangeHistory/records/${adminEntry}/revert`, { waitUntil: 'domcontentloaded' })
  const revertPage = managerPage.getByTestId('revert-change')
  await revertPage.getByText('Company: Shared Original GmbH → Changed by the admin').waitFor()
  // What will happen, in the revert's direction, and the client it happens to, one click away.
  assert.match(await revertPage.getByTestId('revert-will-do').innerText(), /Company: Changed by the admin → Shared Original GmbH/)
  assert.equal(await revertPage.getByTestId('revert-record-link').getAttribute('href'), `/admin/resources/Client/records/${clientId}/show`)
  // Said upfront, with nothing to press for a refusal.
  await revertPage.getByTestId('revert-blocked').getByText('This change cannot be reverted: This change was already reverted.').waitFor()
  assert.equal(await revertPage.getByRole('button', { name: 'Revert this change' }).count(), 0)
  assert.equal((await stored()).company, 'Shared Original GmbH')

  assert.deepEqual(problems, [], 'no page errors or server errors')
})
