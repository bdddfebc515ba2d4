import autocannon from 'autocannon'
import { connections, seconds, warmupSeconds } from './config.js'
import { sleep } from './processes.js'

export type Request = {
  method?: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  /** A fixed body, or one made per request (e.g. a unique login). */
  body?: string | (() => string)
}

export type Measured = {
  rps: number
  p50: number
  p99: number
  /** Average body size of a few sample responses, in bytes. */
  bytes: number
  requests: number
  /** Responses that were neither 2xx nor 3xx. */
  bad: number
  statuses: Record<string, number>
  errors: number
  timeouts: number
}

/** One request done by hand: its status and body, to check the scenario does what it says. */
export async function sample(baseUrl: string, request: Request) {
  const body = typeof request.body === 'function' ? request.body() : request.body
  const started = performance.now()
  const response = await fetch(baseUrl + request.path, { method: request.method ?? 'GET', headers: request.headers, body, redirect: 'manual' })
  const text = await response.text()
  return { status: response.status, text, bytes: Buffer.byteLength(text), ms: performance.now() - started }
}

function cannonOptions(baseUrl: string, request: Request, durationSeconds: number, connectionCount: number) {
  const { body } = request
  return {
    url: baseUrl,
    connections: connectionCount,
    duration: durationSeconds,
    timeout: 60,
    requests: [
      {
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers ?? {},
        ...(typeof body === 'string' && { body }),
        ...(typeof body === 'function' && { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }),
      },
    ],
  }
}

function cannon(baseUrl: string, request: Request, durationSeconds: number, connectionCount: number) {
  return autocannon(cannonOptions(baseUrl, request, durationSeconds, connectionCount)) as Promise<AutocannonResult>
}

/**
 * `request` on `connections` (or `options.connections`) for exactly as long as `work` runs (after a second of load before it
 * starts): the latencies seen during the work, and what the work returned.
 */
export async function measureWhile<T>(
  baseUrl: string,
  request: Request,
  work: () => Promise<T>,
  options: { connections?: number } = {},
): Promise<{ measured: Measured; result: T }> {
  const bytes = (await sample(baseUrl, request)).bytes
  let finished!: (result: AutocannonResult) => void
  let failed!: (error: Error) => void
  const results = new Promise<AutocannonResult>((resolve, reject) => ((finished = resolve), (failed = reject)))
  const running = autocannon(cannonOptions(baseUrl, request, 600, options.connections ?? connections), (error, result) =>
    error ? failed(error) : finished(result as AutocannonResult),
  )
  try {
    await sleep(1000)
    const result = await work()
    running.stop()
    return { measured: summarize(await results, bytes), result }
  } catch (error) {
    running.stop()
    throw error
  }
}

type AutocannonResult = {
  duration: number
  errors: number
  timeouts: number
  latency: { p50: number; p99: number; max: number; totalCount: number }
  statusCodeStats: Record<string, { count: number }>
}

function summarize(result: AutocannonResult, bytes: number): Measured {
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]))
  const completed = Object.values(statuses).reduce((sum, count) => sum + count, 0)
  return {
    rps: completed / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bytes,
    requests: completed,
    bad: Object.entries(statuses)
      .filter(([code]) => Number(code) < 200 || Number(code) >= 400)
      .reduce((sum, [, count]) => sum + count, 0),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

/**
 * A freshly started server's first seconds under load are its JIT's: the read routes answered
 * 15–20 % fewer requests in their first 8 s after start than in the 8 s after (show and list page 1,
 * three servers, 2026-12-07), more than one scenario's 3 s warm-up covers. A long-running server is past that, so before the
 * first scenario each server (the app and the baseline alike) is loaded on `requests` in turn for
 * `seconds` in all, unmeasured.
 */
export async function warmUpServer(baseUrl: string, requests: Request[], seconds: number) {
  for (const request of requests) await cannon(baseUrl, request, Math.max(1, Math.round(seconds / requests.length)), connections)
}

/** Three sample requests (body size), a warm-up, then the measured run: `connections` for `seconds`. */
export async function measure(baseUrl: string, request: Request, options: { connections?: number } = {}): Promise<Measured> {
  const samples = [await sample(baseUrl, request), await sample(baseUrl, request), await sample(baseUrl, request)]
  const bytes = samples.reduce((sum, s) => sum + s.bytes, 0) / samples.length
  const alone = samples.reduce((sum, s) => sum + s.ms, 0) / samples.length
  const count = options.connections ?? connections
  const warm = await cannon(baseUrl, request, warmupSeconds, count)
  await drain(warm, (alone * count) / 2)
  const measured = await cannon(baseUrl, request, seconds, count)
  await drain(measured, (alone * count) / 2)
  return summarize(measured, bytes)
}

/**
 * autocannon stops with requests in flight, which the server still works through: wait about one
 * slow response (the warm-up's p99, or the time the stopped requests need when one alone takes
 * long, as a login does) so that they do not count against the next run. At most 15 s.
 */
async function drain(previous: AutocannonResult, backlogMs: number) {
  await sleep(Math.min(15_000, Math.max(200, previous.latency.p99 || 0, backlogMs)))
}

/**
 * `background` runs on `backgroundConnections` for the warm-up and the whole measurement, while
 * `request` is measured after the warm-up. Both results are returned.
 */
export async function measureUnder(
  baseUrl: string,
  request: Request,
  background: Request,
  backgroundConnections: number,
): Promise<{ measured: Measured; background: Measured }> {
  const listBytes = (await sample(baseUrl, request)).bytes
  const backgroundBytes = (await sample(baseUrl, background)).bytes
  const behind = cannon(baseUrl, background, warmupSeconds + seconds + 1, backgroundConnections)
  await sleep(warmupSeconds * 1000)
  const measured = summarize(await cannon(baseUrl, request, seconds, connections), listBytes)
  return { measured, background: summarize(await behind, backgroundBytes) }
}
