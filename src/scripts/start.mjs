// `npm start`: runs the server from its TypeScript sources with plain Node.js. esbuild transpiles
// src/, migrations/ and seeders/ file by file into node_modules/.cache/sms-client-admin/dev/ (about
// a tenth of a second), then the server runs from there. A loader hook such as tsx's would sit in
// front of every one of the ~1,500 modules AdminJS loads and double their loading time; this way
// only our own files are touched, once. Source maps keep stack traces pointing at the .ts lines.
// (`npm run dev` keeps tsx: its watch mode restarts on every change.)
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const outdir = path.join(root, 'node_modules', '.cache', 'sms-client-admin', 'dev')

// Emptied first: a deleted source (a migration above all) must not live on in an old output.
await rm(outdir, { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints: ['src/**/*.ts', 'migrations/*.ts', 'seeders/*.ts'],
  outdir,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
})
process.setSourceMapsEnabled(true)
await import(pathToFileURL(path.join(outdir, 'src', 'server.js')).href)
