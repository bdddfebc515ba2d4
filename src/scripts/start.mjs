// `npm start`: runs the server from its TypeScript sources with plain Node.js. esbuild transpiles
// src/, migrations/ and seeders/ file by file into node_modules/.cache/sms-client-admin/dev/ (about
// a tenth of a second, src/scripts/transpile.mjs), then the server runs from there. A loader hook
// such as tsx's would sit in front of every one of the ~1,500 modules AdminJS loads and double their
// loading time; this way only our own files are touched, once. Stack traces point at the .ts lines (see below).
// (`npm run dev` keeps tsx: its watch mode restarts on every change.)
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { transpiledDir, transpileSources } from './transpile.mjs'

const outdir = transpiledDir('dev')
const serverFile = await transpileSources(outdir)

// Stack traces name the .ts file and line. Node's own source-map support (--enable-source-maps)
// would read the maps of every module AdminJS loads at start (~0.6 s); this reads ours, and only
// when a stack trace that passes through them is printed.
const outdirUrl = pathToFileURL(outdir).href
const maps = new Map()
function sourceMapOf(file) {
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))))
    } catch {
      maps.set(file, null)
    }
  }
  return maps.get(file)
}
function originalFrame(frame) {
  const url = frame.getFileName()
  const text = frame.toString()
  if (!url?.startsWith(outdirUrl) || frame.getLineNumber() === null) return text
  const file = fileURLToPath(url)
  const entry = sourceMapOf(file)?.findEntry(frame.getLineNumber() - 1, frame.getColumnNumber() - 1)
  if (!entry?.originalSource) return text
  const source = path.resolve(path.dirname(file), entry.originalSource)
  return text.replace(`${url}:${frame.getLineNumber()}:${frame.getColumnNumber()}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`)
}
Error.prepareStackTrace = (error, frames) => [String(error), ...frames.map((frame) => `    at ${originalFrame(frame)}`)].join('\n')

await import(pathToFileURL(serverFile).href)
