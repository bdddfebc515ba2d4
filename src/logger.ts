import { pino, type Logger } from 'pino'
import type { AppConfig } from './config/env.js'

export function createLogger(config: Pick<AppConfig, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level: config.logLevel,
      // Defence in depth: these never reach a log line even if some code passes them along.
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'res.headers["set-cookie"]',
          '*.password',
          '*.passwordConfirmation',
          '*.passwordHash',
          '*.sessionSecret',
        ],
        censor: '[redacted]',
      },
    },
    destination as never,
  )
}
