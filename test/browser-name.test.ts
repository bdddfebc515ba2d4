import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserName } from '../src/account/browser-name.js'

test('sessions are named by browser and system, as a person says it', () => {
  assert.equal(browserName('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'), 'Chrome on macOS')
  assert.equal(browserName('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0'), 'Firefox on Windows')
  assert.equal(browserName('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'), 'Safari on iOS')
  assert.equal(browserName(null), null)
  assert.equal(browserName(''), null)
  assert.equal(browserName('curl/8.4.0'), null)
})
