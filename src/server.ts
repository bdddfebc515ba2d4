import cluster from 'node:cluster'
import { loadConfigOrExit } from './config/env.js'

// The entry point: one server process, or (WEB_CONCURRENCY > 1) a supervisor that runs that many
// and shares the port between them. Each is loaded only where it runs: the supervisor stays small.
const startedAt = performance.now()
const config = loadConfigOrExit()
if (config.webConcurrency > 1 && cluster.isPrimary) {
  const { superviseWorkers } = await import('./supervise.js')
  superviseWorkers(config)
} else {
  const { serve } = await import('./serve.js')
  await serve(config, startedAt)
}
