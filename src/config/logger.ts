import { createRequire } from 'node:module'
import { pino, type DestinationStream, type Logger } from 'pino'
import type PinoPretty from 'pino-pretty'
import type { AppConfig } from './env.js'

// The process's logger: JSON lines for machines (production, or output to a file or pipe), and
// readable coloured lines from pino-pretty for a person at a terminal during development.

export function createLogger(config: Pick<AppConfig, 'logLevel'> & Partial<Pick<AppConfig, 'isProduction'>>, destination?: NodeJS.WritableStream): Logger {
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
    (destination as DestinationStream | undefined) ?? (config.isProduction === false && process.stdout.isTTY ? prettyStream() : undefined),
  )
}

/** pino-pretty, required only here so a production process never loads it; synchronous, in-process. */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty
  return pretty({ colorize: true, sync: true, singleLine: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
}
