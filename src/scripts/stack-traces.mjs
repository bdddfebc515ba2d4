// Stack traces of the transpiled copies (src/scripts/transpile.mjs) name the .ts file and line.
// Node's own source-map support (--enable-source-maps) would read the maps of every module AdminJS
// loads at start (~0.6 s); this reads ours, and only when a stack trace that passes through them is
// printed. Imported for its effect: by `npm start`, and by `npm test` with `--import`.
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const transpiledRoot = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.cache/sms-client-admin')).href

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
  if (!url?.startsWith(transpiledRoot) || frame.getLineNumber() === null) return text
  const file = fileURLToPath(url)
  const entry = sourceMapOf(file)?.findEntry(frame.getLineNumber() - 1, frame.getColumnNumber() - 1)
  if (!entry?.originalSource) return text
  const source = path.resolve(path.dirname(file), entry.originalSource)
  return text.replace(`${url}:${frame.getLineNumber()}:${frame.getColumnNumber()}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`)
}
Error.prepareStackTrace = (error, frames) => [String(error), ...frames.map((frame) => `    at ${originalFrame(frame)}`)].join('\n')
