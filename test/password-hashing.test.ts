import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, test } from 'node:test'
import bcrypt from 'bcrypt'
import { closePasswordHashing, hashPassword, verifyPassword } from '../src/auth/password-hashing.js'

/** The nice value and CPU ticks of each thread of this process, from /proc/self/task/<tid>/stat. */
function threads(): Map<number, { nice: number; cpu: number }> {
  const result = new Map<number, { nice: number; cpu: number }>()
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    } catch {
      continue // the thread ended between listing and reading
    }
    // The comm field may hold spaces or parentheses: count fields after the last ')'. There, index
    // 0 is field 3 (state), so field N (utime 14, stime 15, nice 19) is at index N - 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    result.set(Number(tid), { nice: Number(fields[16]), cpu: Number(fields[11]) + Number(fields[12]) })
  }
  return result
}

describe('password hashing on worker threads', () => {
  after(() => closePasswordHashing())

  test('a hash verifies with its password and not with another', async () => {
    const hash = await hashPassword('correct-horse-battery', 4)
    assert.match(hash, /^\$2b\$04\$/)
    assert.equal(await verifyPassword('correct-horse-battery', hash), true)
    assert.equal(await verifyPassword('correct-horse-batterY', hash), false)
  })

  test('hashes are interchangeable with the bcrypt package', async () => {
    const ours = await hashPassword('s3cret pässword', 4)
    assert.equal(await bcrypt.compare('s3cret pässword', ours), true)
    assert.equal(await bcrypt.compare('other', ours), false)
    const theirs = await bcrypt.hash('s3cret pässword', 4)
    assert.equal(await verifyPassword('s3cret pässword', theirs), true)
    assert.equal(await verifyPassword('other', theirs), false)
  })

  test('concurrent calls (more than there are workers) each get their own answer', async () => {
    const passwords = Array.from({ length: 8 }, (_, i) => `password-${i}`)
    const hashes = await Promise.all(passwords.map((p) => hashPassword(p, 4)))
    assert.equal(new Set(hashes).size, hashes.length)
    const checks = await Promise.all(
      passwords.flatMap((p, i) => [verifyPassword(p, hashes[i]), verifyPassword(p, hashes[(i + 1) % hashes.length])]),
    )
    assert.deepEqual(checks, passwords.flatMap(() => [true, false]))
  })

  test('an error in the worker rejects the call, and the pool keeps working', async () => {
    await assert.rejects(hashPassword(undefined as unknown as string, 4), /data and salt arguments required/)
    assert.equal(await verifyPassword('x', await hashPassword('x', 4)), true)
  })

  test('a script with nothing else alive still gets its answer, then exits by itself', () => {
    const script = `import('./src/auth/password-hashing.ts').then(async (m) => console.log(await m.verifyPassword('x', await m.hashPassword('x', 4))))`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(child.signal, null, 'exited without being killed by the timeout')
    assert.equal(child.status, 0, child.stderr)
    assert.equal(child.stdout.trim(), 'true')
  })

  test('the hashing runs on threads at nice 19 while the main thread stays at 0', { skip: process.platform !== 'linux' && 'thread priorities are per thread only on Linux' }, async () => {
    // ~1 s of CPU on one worker. Sampled until some thread has used 50 ms of CPU since the start:
    // on a loaded machine (CI runs test files beside PostgreSQL, benches beside both) a thread at
    // nice 19 gets a CPU only now and then, and a fixed half-second window once caught more of the
    // idle main thread's clock ticks than of the worker still waiting for one.
    const slow = hashPassword('slow', 14)
    let done = false
    slow.finally(() => (done = true)).catch(() => {})
    await sleep(50) // let the worker pick the task up
    const before = threads()
    let busiest: { tid: number; ticks: number; nice: number } | undefined
    let during = before
    for (let waited = 0; (!busiest || busiest.ticks < 5) && waited < 30_000; waited += 250) {
      await sleep(250)
      during = threads()
      busiest = undefined
      // The thread that burned the most CPU since the start is the one doing the hashing.
      for (const [tid, now] of during) {
        const ticks = now.cpu - (before.get(tid)?.cpu ?? 0)
        if (!busiest || ticks > busiest.ticks) busiest = { tid, ticks, nice: now.nice }
      }
    }
    assert.equal(done, false, 'the slow hash was still running while sampled')
    assert.ok(busiest && busiest.ticks > 0, 'some thread was busy')
    assert.notEqual(busiest.tid, process.pid, 'the hashing is not on the main thread')
    assert.equal(busiest.nice, 19, `the hashing thread ${busiest.tid} runs at nice 19`)
    assert.equal(during.get(process.pid)?.nice, 0, 'the main thread keeps nice 0')
    assert.equal(await verifyPassword('slow', await slow), true)
  })
})
