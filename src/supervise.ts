import cluster, { type Worker } from 'node:cluster'
import type { AppConfig } from './config/env.js'
import { createLogger } from './config/logger.js'

/** A worker that dies sooner than this after its start is restarted only after a pause. */
const CRASH_LOOP_MS = 10_000
const STOP_DEADLINE_MS = 10_000

/**
 * Runs config.webConcurrency server processes (node:cluster) sharing config.port, restarts one
 * that dies, and on SIGTERM/SIGINT lets each finish its requests and exits once all have stopped.
 * The workers are ordinary instances: sessions, lockouts and throttles already live in PostgreSQL.
 */
export function superviseWorkers(config: AppConfig) {
  const logger = createLogger(config)
  let stopping = false
  const startedAt = new Map<Worker, number>()
  // Outside production the session secret is random per start: every worker must use the same one.
  const fork = () => startedAt.set(cluster.fork({ SESSION_SECRET: config.sessionSecret }), Date.now())

  cluster.on('exit', (worker, code, signal) => {
    const livedMs = Date.now() - (startedAt.get(worker) ?? 0)
    startedAt.delete(worker)
    if (stopping) {
      if (startedAt.size === 0) {
        logger.info('all workers stopped')
        process.exit(0)
      }
      return
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died, starting another')
    if (livedMs < CRASH_LOOP_MS) setTimeout(fork, 2_000)
    else fork()
  })
  for (let i = 0; i < config.webConcurrency; i += 1) fork()
  logger.info({ workers: config.webConcurrency, port: config.port }, 'supervisor started')

  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping workers')
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM')
    setTimeout(() => {
      logger.error('workers took too long to stop')
      for (const worker of startedAt.keys()) worker.process.kill('SIGKILL')
      process.exit(1)
    }, STOP_DEADLINE_MS).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
