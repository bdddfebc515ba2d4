/**
 * Sender names in a real browser: a client's page lists its sender names (declared by the registry's
 * `related`), links to the filtered list, and "New" opens the form with the client already chosen:
 * saving it without touching the client files the sender name under that client, pending, and its
 * page shows its change history.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before } from 'node:test'
import type { Page } from 'playwright-core'
import { SCREENSHOTS, browserSuite, eventually, waitForUrl } from '../helpers/browser.js'
import { createClient, type TestApp } from '../helpers/harness.js'

const e2e = browserSuite({ watch: { failedRequests: false } })
let t: TestApp
let base: string
let page: Page
let clientId: number

before(async () => {
  ;({ t, base, page } = await e2e.start())
  clientId = await createClient(t, 'sender-client', { managerId: t.ids.manager1 })
  await t.models.SenderName.create({ clientId, name: 'ACME', status: 'approved' })
  await e2e.logInDirectly(page, 'manager1@example.com')
})

after(() => e2e.close())

e2e.journey("a client's sender names on its page; New starts with the client chosen", async () => {
  await page.goto(`${base}/resources/Client/records/${clientId}/show`, { waitUntil: 'domcontentloaded', timeout: 240_000 })
  const related = page.getByTestId('related-SenderName')
  await related.getByText('ACME').waitFor()
  await related.scrollIntoViewIfNeeded()
  await related.screenshot({ path: path.join(SCREENSHOTS, 'client-sender-names.png') })
  assert.match((await related.getByRole('link', { name: /Open the list of sender names/ }).getAttribute('href')) ?? '', /filters\.clientId=\d+/)

  await page.getByTestId('related-SenderName-new').click()
  await waitForUrl(page, /SenderName\/actions\/new\?clientId=\d+/)
  await page.locator('input[name=name]').fill('ACME OTP')
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await waitForUrl(page, /SenderName\/records\/\d+\/show/)
  // Its page ends with its own change history, as a client's does.
  await page.getByTestId('client-history').getByText(/Sender name: .*ACME OTP/).waitFor()
  await eventually(async () => {
    const row = await t.models.SenderName.findOne({ where: { name: 'ACME OTP' } })
    assert.deepEqual([row?.get('clientId'), row?.get('status')], [clientId, 'pending'])
  })
})
