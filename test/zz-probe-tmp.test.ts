import { test, before, after } from 'node:test'
import { api, startTestApp, type TestApp } from './helpers/harness.js'
let t: TestApp
before(async () => { t = await startTestApp() })
after(() => t.close())
test('probe', async () => {
  const admin = await t.loginAs('admin@example.com')
  const page = await admin.get('/admin/resources/Client')
  console.log(page.status, page.text.length)
  const i = page.text.indexOf('REDUX_STATE')
  console.log(page.text.slice(i - 20, i + 100))
  const state = page.text.match(/window\.REDUX_STATE = (\{.*?\});?\s*\n/s)?.[1]
  console.log(Boolean(state))
  if (state) { const r = JSON.parse(state).resources.find((r: any) => r.id === 'Client'); console.log(JSON.stringify(r.properties.comments)) }
})
