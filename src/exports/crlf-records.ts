import { Transform } from 'node:stream'

/**
 * PostgreSQL's COPY … (FORMAT csv) ends each record with LF; the export's files end them with CRLF
 * (RFC 4180, what csv-stringify writes). This rewrites the record ends only: a line break inside a
 * quoted cell stays as stored. Quotes inside a quoted cell come doubled, so counting every quote
 * character tells inside from outside. `records` counts the record ends passed on so far.
 */
export class CrlfRecords extends Transform {
  records = 0
  private inQuotes = false

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void) {
    const pieces: Buffer[] = []
    let start = 0
    let nextQuote = chunk.indexOf(QUOTE)
    let nextLineFeed = chunk.indexOf(LF)
    for (;;) {
      if (this.inQuotes) {
        if (nextQuote < 0) break
        this.inQuotes = false
        const after = nextQuote + 1
        nextQuote = chunk.indexOf(QUOTE, after)
        if (nextLineFeed >= 0 && nextLineFeed < after) nextLineFeed = chunk.indexOf(LF, after)
      } else if (nextQuote >= 0 && (nextLineFeed < 0 || nextQuote < nextLineFeed)) {
        this.inQuotes = true
        nextQuote = chunk.indexOf(QUOTE, nextQuote + 1)
      } else if (nextLineFeed >= 0) {
        pieces.push(chunk.subarray(start, nextLineFeed), CRLF)
        this.records += 1
        start = nextLineFeed + 1
        nextLineFeed = chunk.indexOf(LF, start)
      } else break
    }
    if (start === 0) return done(null, chunk)
    if (start < chunk.length) pieces.push(chunk.subarray(start))
    done(null, Buffer.concat(pieces))
  }
}

const QUOTE = 0x22
const LF = 0x0a
const CRLF = Buffer.from('\r\n')
