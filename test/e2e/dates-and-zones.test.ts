/**
 * One way to show times and zones, in a real browser (issue #27): a user picks a time zone on My
 * account, and every moment the panel shows (list cells, a client's page and its history, the
 * history list, home, the import page's recent imports, the account's sessions) is then in that zone, in the
 * browser's locale, with the UTC value on hover; a time zone is named with its offset; the revert
 * page says upfront when a revert cannot apply. axe-core at 1440 and 390 px on the pages touched.
 */
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
import { seriousViolations } from '../helpers/axe.js'
import { browserSuite, eventually, waitForUrl } from '../helpers/browser.js'
import { createClient, type TestApp } from '../helpers/harness.js'

const WIDTHS = [1440, 390]
const ZONE = 'Asia/Tokyo'
const { start, close, logIn, journey } = browserSuite()
let t: TestApp
let base: string
let page: Page
let client: number

before(async () => {
  ;({ t, base, page } = await start())
  client = await createClient(t, 'tz-client-01', { company: 'Zone Corp', timezone: 'Europe/Berlin' })
  await t.models.Client.update({ allowCredit: '5000.00' }, { where: { id: client }, individualHooks: true })
})
after(close)

/** What the page's own Intl makes of a moment in a zone: the format every time must have. */
const expected = (on: Page, iso: string, timeZone = ZONE) =>
  on.evaluate(
    ([moment, zone]) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(moment)),
    [iso, timeZone] as const,
  )
const utcOf = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** Every `time` element under `scope` shows its moment in ZONE, UTC on hover; how many there were. */
async function allInZone(on: Page, scope: string) {
  const times = on.locator(`${scope} time[datetime]`)
  await times.first().waitFor()
  const count = await times.count()
  for (let i = 0; i < count; i++) {
    const time = times.nth(i)
    const iso = String(await time.getAttribute('datetime'))
    assert.equal(await time.innerText(), await expected(on, iso), `${scope} #${i} in ${ZONE}`)
    assert.equal(await time.getAttribute('title'), utcOf(iso), `${scope} #${i}: UTC on hover`)
  }
  return count
}

async function axeAtBothWidths(name: string, on: Page, open: () => Promise<void>) {
  const problems: string[] = []
  for (const width of WIDTHS) {
    await on.setViewportSize({ width, height: 900 })
    await open()
    await on.waitForTimeout(300)
    for (const violation of await seriousViolations(on)) problems.push(`${width}px ${violation.impact} ${violation.id}: ${violation.help} — ${violation.targets.join(' | ')}`)
  }
  await on.setViewportSize({ width: 1440, height: 900 })
  assert.deepEqual(problems, [], `${name}: serious or critical axe violations`)
}

describe('dates and time zones in a real browser', () => {
  journey('a time zone picked on My account is kept and every time follows it, UTC on hover', async () => {
    await logIn(page, 'admin@example.com')
    await waitForUrl(page, /\/admin\/?$/)
    await page.goto(`${base}/pages/account`, { waitUntil: 'domcontentloaded' })
    const card = page.locator('[data-testid=account-time-zone]')
    const select = card.getByLabel('Show times in')
    await select.waitFor()
    // Offered as IANA names with their offsets; none chosen yet: the browser's own zone.
    assert.equal(await select.inputValue(), '')
    assert.match(await select.locator('option[value="Europe/Berlin"]').innerText(), /^Europe\/Berlin \(UTC\+0[12]:00\)$/)
    assert.match(await select.locator('option[value=""]').innerText(), /^This browser's zone: .+ \(UTC[+-]\d\d:\d\d\)$/)
    await select.selectOption(ZONE)
    await card.getByRole('button', { name: 'Save time zone' }).click()
    await card.getByText(`Saved. Times are now shown in ${ZONE} (UTC+09:00)`).waitFor()
    // The sessions table follows at once, without a reload.
    assert.ok((await allInZone(page, '[data-testid=account-sessions]')) >= 2)

    // Kept with the user: a reload, then every page that shows a moment.
    await page.reload({ waitUntil: 'domcontentloaded' })
    await eventually(async () => assert.equal(await page.getByLabel('Show times in').inputValue(), ZONE))
    await axeAtBothWidths('my account', page, async () => {
      await page.goto(`${base}/pages/account`, { waitUntil: 'domcontentloaded' })
      await page.locator('[data-testid=account-sessions] tbody tr').first().waitFor()
    })

    await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
    assert.ok((await allInZone(page, 'table')) >= 1, 'the Created column')

    await page.goto(`${base}/resources/Client/records/${client}/show`, { waitUntil: 'domcontentloaded' })
    // The client's zone shows as its IANA name with the offset.
    await page.getByText(/^Europe\/Berlin \(UTC\+0[12]:00\)$/).first().waitFor()
    // The history below loads after the page: counted once it is there.
    await page.getByTestId('client-history').locator('time[datetime]').first().waitFor()
    const onShow = await allInZone(page, 'body')
    assert.ok(onShow >= 3, `created, updated and the history entries (${onShow})`)

    await page.goto(`${base}/resources/Client/records/${client}/edit`, { waitUntil: 'domcontentloaded' })
    await page.locator('[data-testid="property-edit-timezone"]').getByText(/^Europe\/Berlin \(UTC\+0[12]:00\)$/).waitFor()

    await page.goto(`${base}/resources/ChangeHistory`, { waitUntil: 'domcontentloaded' })
    assert.ok((await allInZone(page, 'table')) >= 1, 'the history list')

    await page.goto(base, { waitUntil: 'domcontentloaded' })
    assert.ok((await allInZone(page, 'body')) >= 1, 'the latest changes on the home page')

    // An import of the day before: the import page's recent imports.
    await t.db.sequelize.query(
      `INSERT INTO import_jobs (id, resource, actor_id, dry_run, rows, status, error, file_name, created_at, finished_at)
       VALUES (gen_random_uuid(), 'Client', :actor, true, 3, 'refused', 'The file has no header row.', 'clients.csv', now() - interval '1 day', now() - interval '1 day')`,
      { replacements: { actor: t.ids.admin } },
    )
    await page.goto(`${base}/resources/Client/actions/importCsv`, { waitUntil: 'domcontentloaded' })
    assert.equal(await allInZone(page, '[data-testid=recent-imports]'), 1, 'the recent import')
  })

  journey('a change that cannot be reverted says so on its revert page, with no button to press', async () => {
    await page.goto(`${base}/resources/ChangeHistory?filters.recordId=${client}&filters.resource=Client`, { waitUntil: 'domcontentloaded' })
    const [entry] = (await t.db.sequelize.query(`SELECT id FROM change_history WHERE resource = 'Client' AND record_id = :client AND action = 'update' ORDER BY id DESC LIMIT 1`, {
      replacements: { client },
      type: 'SELECT',
    })) as { id: string }[]
    const revertPage = `${base}/resources/ChangeHistory/records/${entry.id}/revert`
    await page.goto(revertPage, { waitUntil: 'domcontentloaded' })
    await page.getByTestId('revert-will-do').getByText(/5000\.00 →/).waitFor()
    assert.equal(await page.getByTestId('revert-blocked').count(), 0)
    await page.getByRole('button', { name: 'Revert this change' }).click()
    await waitForUrl(page, /\/records\/\d+\/show|\/resources\/(Client|ChangeHistory)/)

    await axeAtBothWidths('revert page, blocked', page, async () => {
      await page.goto(revertPage, { waitUntil: 'domcontentloaded' })
      await page.getByTestId('revert-blocked').getByText('This change cannot be reverted: This change was already reverted.').waitFor()
    })
    assert.equal(await page.getByRole('button', { name: 'Revert this change' }).count(), 0, 'nothing to press for a refusal')
    await page.getByTestId('revert-blocked').getByRole('link', { name: 'Back to the change' }).click()
    await waitForUrl(page, new RegExp(`/ChangeHistory/records/${entry.id}/show$`))
  })
})
