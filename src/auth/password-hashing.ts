/**
 * bcrypt hashing and checking on low-priority worker threads.
 *
 * A bcrypt cost-12 hash is ~250 ms of pure CPU. bcrypt's async API runs it on libuv's threadpool
 * at normal priority, so a burst of logins on a 2-core machine competes head-on with the event
 * loop and PostgreSQL, and every other user's page waits. Here each hash runs on a worker thread
 * whose own nice value is 19: the kernel then gives the event loop and the database the CPU first,
 * and logins take the time that is left over (a login may get slower under load; pages don't).
 *
 * On Linux, os.setPriority() called inside a worker thread changes only that thread (Linux
 * priorities are per thread). Elsewhere the same call renices the whole process, so there the
 * workers only move the work off the threadpool and keep normal priority.
 *
 * Not piscina: its `niceIncrement` needs an extra native module (@napi-rs/nice), while per-thread
 * priority is one os.setPriority call; and the pool needed here is a few dozen lines.
 */
import { createRequire } from 'node:module'
import os from 'node:os'
import { Worker } from 'node:worker_threads'

// Inline CommonJS rather than a worker file: nothing to resolve, so it runs the same under tsx
// (development, tests) and from dist/ (production). The *sync* bcrypt calls matter: the async
// ones would hand the work straight back to libuv's normal-priority threadpool.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const os = require('node:os')
if (process.platform === 'linux') {
  // Not fatal if refused (some sandboxes): hashing still works, at normal priority.
  try { os.setPriority(os.constants.priority.PRIORITY_LOW) } catch {}
}
const bcrypt = require(workerData.bcryptPath)
parentPort.on('message', ({ id, op, plain, arg }) => {
  try {
    const result = op === 'hash' ? bcrypt.hashSync(plain, arg) : bcrypt.compareSync(plain, arg)
    parentPort.postMessage({ id, result })
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
`

type Task = {
  id: number
  op: 'hash' | 'compare'
  plain: string
  arg: string | number
  resolve: (value: any) => void
  reject: (error: Error) => void
}
type Slot = { worker: Worker; task?: Task }

/**
 * Who waits for the answer. `interactive`: a person at a form (login, own password, a saved
 * record). `bulk`: an import's passwords, thousands at a time. Each lane has its own workers and
 * its own queue, so a login never waits behind an import's hashes: the bulk lane has a single
 * worker (the import takes at most one core), which finishes one hash and only then takes the
 * next, while the interactive lane keeps one worker per core for whoever signs in.
 */
export type HashLane = 'interactive' | 'bulk'

type Lane = { size: number; live: Set<Slot>; idle: Slot[]; queue: Task[] }

const newLane = (size: number): Lane => ({ size, live: new Set(), idle: [], queue: [] })
// Interactive: one worker per core (more would only queue on the CPU; fewer would leave a core
// idle while logins wait). Bulk: one, whatever the cores.
const lanes: Record<HashLane, Lane> = {
  interactive: newLane(Math.max(1, os.availableParallelism())),
  bulk: newLane(1),
}
let nextId = 1
let bcryptPath: string | undefined

function spawn(lane: Lane): Slot {
  // Resolved here, from this module, so the worker loads the very bcrypt the app depends on.
  bcryptPath ??= createRequire(import.meta.url).resolve('bcrypt')
  // execArgv: [] so the worker does not inherit `--import tsx` and the like: its source is plain JS.
  const worker = new Worker(workerSource, { eval: true, workerData: { bcryptPath }, execArgv: [] })
  const slot: Slot = { worker }
  worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const task = slot.task
    if (!task || task.id !== message.id) return
    slot.task = undefined
    worker.unref()
    if (message.error !== undefined) task.reject(new Error(message.error))
    else task.resolve(message.result)
    lane.idle.push(slot)
    pump(lane)
  })
  const lost = (error: Error) => {
    if (!lane.live.delete(slot)) return // 'error' is followed by 'exit': handle the first only
    const at = lane.idle.indexOf(slot)
    if (at >= 0) lane.idle.splice(at, 1)
    const task = slot.task
    slot.task = undefined
    task?.reject(error)
    pump(lane) // a replacement is made only if work is waiting
  }
  worker.on('error', lost)
  worker.on('exit', (code) => lost(new Error(`password hashing worker exited (code ${code})`)))
  // An idle pool must not keep the process alive; pump() refs a worker while it holds a task.
  worker.unref()
  lane.live.add(slot)
  return slot
}

function pump(lane: Lane) {
  while (lane.queue.length > 0) {
    const slot = lane.idle.pop() ?? (lane.live.size < lane.size ? spawn(lane) : undefined)
    if (!slot) return
    const task = lane.queue.shift()!
    slot.task = task
    slot.worker.ref() // a caller is waiting for this answer, so the process must stay up for it
    slot.worker.postMessage({ id: task.id, op: task.op, plain: task.plain, arg: task.arg })
  }
}

function run<T>(laneName: HashLane, op: Task['op'], plain: string, arg: string | number): Promise<T> {
  const lane = lanes[laneName]
  return new Promise<T>((resolve, reject) => {
    lane.queue.push({ id: nextId++, op, plain, arg, resolve, reject })
    pump(lane)
  })
}

/** A bcrypt hash of `plain` at cost `rounds`, computed on a low-priority worker thread of `lane`. */
export function hashPassword(plain: string, rounds: number, lane: HashLane = 'interactive'): Promise<string> {
  return run<string>(lane, 'hash', plain, rounds)
}

/** Whether `plain` matches the bcrypt `hash`, checked on a low-priority worker thread. */
export function verifyPassword(plain: string, hash: string): Promise<boolean> {
  return run<boolean>('interactive', 'compare', plain, hash)
}

/** Stops the workers; queued and running calls are rejected. Later calls start new workers. */
export async function closePasswordHashing(): Promise<void> {
  const all = Object.values(lanes)
  for (const task of all.flatMap((lane) => lane.queue.splice(0))) task.reject(new Error('password hashing was closed'))
  await Promise.all(all.flatMap((lane) => [...lane.live]).map((slot) => slot.worker.terminate()))
}
