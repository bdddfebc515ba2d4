/**
 * The import page remembers (issue #28), in a real browser: an Apply that runs as a job shows its
 * progress with an estimate of the time left; leaving the page and coming back follows the same
 * job again; Cancel stops it and nothing is saved. At a phone's width (390 px) the page, progress
 * bar and Cancel included, does not overflow sideways, and axe-core finds nothing serious.
 * Passwords are hashed at a high bcrypt cost here so that the job's hashing step lasts long enough
 * to be watched (tens of seconds for these rows).
 */
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { stringify } from 'csv-stringify/sync'
import type { Page } from 'playwright-core'
import { QueryTypes } from 'sequelize'
import { seriousViolations } from '../helpers/axe.js'
import { browserSuite, VIEWPORT } from '../helpers/browser.js'
import type { TestApp } from '../helpers/harness.js'

const e2e = browserSuite({
  config: { importInlineMaxRows: 2, importJobPollSeconds: 0.5, bcryptRounds: 13 },
  // A cancelled job's address answers 409 with its message, which Chromium also logs as a failed load.
  watch: { consoleErrors: { except: /status of 409/ } },
  journeyTimeout: 480_000,
  shown: async (page) => ({ progress: await page.getByTestId('import-progress').innerText({ timeout: 1000 }).catch(() => null) }),
})
let t: TestApp
let base: string
let page: Page

before(async () => {
  ;({ t, base, page } = await e2e.start())
  await e2e.logInDirectly(page, 'admin@example.com')
})
after(() => e2e.close())

const ROWS = 40
const file = Buffer.from(
  stringify(
    [
      ['Login', 'Password', 'Manager', 'E-mail'],
      ...Array.from({ length: ROWS }, (_, i) => [`slow-${i}`, 'secret-password-1', 'manager1@example.com', `slow-${i}@example.com`]),
    ],
    { record_delimiter: 'windows' },
  ),
)

const importPage = () => page.goto(`${base}/resources/Client/actions/importCsv`, { waitUntil: 'domcontentloaded', timeout: 240_000 })
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
const savedRows = async () => ((await t.db.sequelize.query(`SELECT count(*)::int AS n FROM clients WHERE login LIKE 'slow-%'`, { type: QueryTypes.SELECT })) as { n: number }[])[0].n

e2e.journey('a running import shows its progress and time left, is followed again after leaving, and cancels with nothing saved (1440 and 390 px)', async () => {
  await importPage()
  await page.getByTestId('import-file').setInputFiles({ name: 'slow.csv', mimeType: 'text/csv', buffer: file })
  await page.getByTestId('import-dry-run').click()
  await page.getByTestId('import-summary').filter({ hasText: '0 with errors' }).waitFor({ timeout: 120_000 })
  await page.getByTestId('import-apply').click()

  // Progress, then an estimate once the step has gone on for a while.
  const progress = page.getByTestId('import-progress')
  await progress.filter({ hasText: /Hashing new passwords: \d+ of 40/ }).waitFor({ timeout: 120_000 })
  await progress.filter({ hasText: /about (\d+ s|\d+ min \d+ s) left/ }).waitFor({ timeout: 120_000 })
  assert.deepEqual(await seriousViolations(page), [], 'axe-core at 1440 px while running')

  // Leaving and coming back: the page finds the running job and follows it again.
  await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
  await importPage()
  await progress.filter({ hasText: /Hashing new passwords|Saving|Checking rows|Waiting/ }).waitFor({ timeout: 60_000 })
  assert.equal(await page.getByTestId('import-cancel').isVisible(), true, 'Cancel is offered again')

  // A phone's width, with the progress bar and Cancel on the page.
  await page.setViewportSize({ width: 390, height: 844 })
  await page.waitForTimeout(300)
  assert.ok((await overflow()) <= 0, `no horizontal overflow at 390 px while running (${await overflow()} px)`)
  assert.deepEqual(await seriousViolations(page), [], 'axe-core at 390 px while running')

  await page.getByTestId('import-cancel').click()
  await page.getByTestId('import-error').filter({ hasText: 'The import was cancelled. Nothing was saved.' }).waitFor({ timeout: 120_000 })
  assert.equal(await progress.count(), 0, 'the progress is gone')
  await page.getByTestId('recent-import').first().filter({ hasText: /slow\.csv[\s\S]*Cancelled/i }).waitFor()
  assert.equal(await savedRows(), 0, 'all or nothing: no row saved')
  assert.ok((await overflow()) <= 0, `no horizontal overflow at 390 px after cancelling (${await overflow()} px)`)
  assert.deepEqual(await seriousViolations(page), [], 'axe-core at 390 px after cancelling')
  await page.setViewportSize(VIEWPORT)
})
