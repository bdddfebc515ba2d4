import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import ts from 'typescript'

/**
 * The layers of src/, lowest first (README, "How it is put together"). A file may import its own layer
 * and the layers before it, never a later one: definitions stay data, models know nothing of the
 * panel, the panel kit never reaches into a resource, and only the app composes resources.
 * A pattern ending in / is a folder; `*` stands for one path segment.
 */
const LAYERS: [name: string, patterns: string[]][] = [
  ['config', ['src/config/']],
  ['db', ['src/db/']],
  ['field kinds', ['src/fields/']],
  ['resource definitions', ['src/resources/*/*.fields.ts']],
  // The one list of resources (definitions, labels, titles, ownership, presets): data, read by everything above.
  ['resource registry', ['src/resources/registry.ts']],
  ['models', ['src/models/', 'src/schema/']],
  ['access and accounts', ['src/access/', 'src/auth/', 'src/account/']],
  ['panel kit', ['src/panel/']],
  ['panel features', ['src/exports/', 'src/imports/', 'src/http/']],
  ['resource options', ['src/resources/']],
  ['app', ['src/app/']],
  ['processes and scripts', ['src/server.ts', 'src/serve.ts', 'src/supervise.ts', 'src/scripts/']],
]

// The project folder: tests run there, from source or from npm test's transpiled copy alike.
const root = path.resolve('.')
const SOURCE = /\.(ts|mjs|jsx)$/

const sourceFiles = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`
    if (entry.isDirectory()) return sourceFiles(file)
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : []
  })

const matches = (file: string, pattern: string) => {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]+')}${pattern.endsWith('/') ? '' : '$'}`)
  return regex.test(file)
}

const layerOf = (file: string) => LAYERS.findIndex(([, patterns]) => patterns.some((pattern) => matches(file, pattern)))

/** The src/ files a file imports (static, dynamic, type-only and re-exports alike). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true)
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.posix.normalize(path.posix.join(path.posix.dirname(file), name)).replace(/\.js$/, '.ts'))
    .filter((target) => target.startsWith('src/'))
}

const files = sourceFiles('src')

test('every source file belongs to a declared layer', () => {
  const undeclared = files.filter((file) => layerOf(file) === -1)
  assert.deepEqual(undeclared, [], 'add their folder to LAYERS in test/layout.test.ts (and to the README)')
})

test('imports only go down the layers', () => {
  const upward: string[] = []
  for (const file of files) {
    const from = layerOf(file)
    for (const target of importsOf(file)) {
      const to = layerOf(target)
      if (to > from) upward.push(`${file} (${LAYERS[from]?.[0]}) imports ${target} (${LAYERS[to][0]})`)
    }
  }
  assert.deepEqual(upward, [])
})

test('the check sees imports (a file known to import below it)', () => {
  assert.ok(importsOf('src/models/index.ts').includes('src/resources/registry.ts'))
  assert.ok(importsOf('src/resources/registry.ts').includes('src/resources/client/client.fields.ts'))
  assert.equal(LAYERS[layerOf('src/resources/registry.ts')][0], 'resource registry')
  assert.equal(LAYERS[layerOf('src/resources/client/client.fields.ts')][0], 'resource definitions')
  assert.equal(LAYERS[layerOf('src/resources/client/client.resource.ts')][0], 'resource options')
})
