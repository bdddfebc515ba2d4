// `npm start`: runs the server from its TypeScript sources with plain Node.js. esbuild transpiles
// src/, migrations/ and seeders/ file by file into node_modules/.cache/sms-client-admin/dev/ (about
// a tenth of a second, src/scripts/transpile.mjs), then the server runs from there. A loader hook
// such as tsx's would sit in front of every one of the ~1,500 modules AdminJS loads and double their
// loading time; this way only our own files are touched, once. Stack traces point at the .ts lines
// (src/scripts/stack-traces.mjs). (`npm run dev` keeps tsx: its watch mode restarts on every change.)
import { pathToFileURL } from 'node:url'
import './stack-traces.mjs'
import { transpiledDir, transpileSources } from './transpile.mjs'

await import(pathToFileURL(await transpileSources(transpiledDir('dev'))).href)
