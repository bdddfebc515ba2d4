import assert from 'node:assert/strict'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import type { FieldDef } from '../src/fields/kinds.js'
import type { ResourceDefinition } from '../src/fields/model.js'
import { definitions } from '../src/models/index.js'
import { compareSchema, driftReport, generateMigration } from '../src/schema/index.js'
import { introspect } from '../src/schema/introspect.js'
import { createMigrator } from '../src/db/migrator.js'
import { migrationFiles, openScratchDatabase, resetScratchDatabase, type ScratchDatabase } from '../src/schema/scratch.js'

// The project's migrations and the ones the generator writes are TypeScript, imported by the
// migrator as `npm run migration:generate` does under tsx: run transpiled (`npm test`, from a copy
// under node_modules/.cache), this file still reads the sources and needs tsx's loader for them.
if (!import.meta.url.endsWith('.ts')) (await import('tsx/esm/api')).register()
const realMigrations = path.resolve('migrations') // tests run in the project folder, as platform.test.ts's spawns assume
const realDefinitions = Object.values(definitions)
const tables = realDefinitions.map((definition) => definition.table)

// One database for the whole file (starting one takes seconds): each comparison and each
// migration run below empties it first. Like the test harness, it is a fresh database on
// DATABASE_URL's server when that is set, else an in-memory embedded PostgreSQL.
let scratch: ScratchDatabase
const tempDirs: string[] = []

before(async () => {
  scratch = await openScratchDatabase({ databaseUrl: process.env.DATABASE_URL })
})
after(async () => {
  await scratch?.close()
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A temporary migrations directory holding copies of the project's migrations. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'))
  tempDirs.push(dir)
  // ES modules, like the project's own (whose package.json says so).
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}')
  for (const file of await migrationFiles(realMigrations)) await cp(path.join(realMigrations, file), path.join(dir, file))
  return dir
}

/** The real definitions, with a changed copy of the Client definition. */
function withClient(change: (sections: Record<string, Record<string, FieldDef>>) => void): ResourceDefinition[] {
  const client = structuredClone(definitions.Client)
  change(Object.fromEntries(client.sections.map((section) => [section.title, section.fields])))
  return realDefinitions.map((definition) => (definition.name === 'Client' ? client : definition))
}

/**
 * Applies every migration of `dir` but the last to an empty database (then `beforeLast`), the last
 * one (then `afterLast`), and reverts it: down must give back the schema the earlier ones built.
 */
async function applyLastMigration(dir: string, hooks: { beforeLast?: () => Promise<void>; afterLast?: () => Promise<void> } = {}) {
  const { sequelize } = scratch
  await resetScratchDatabase(sequelize)
  const migrator = createMigrator(sequelize, dir)
  const names = (await migrator.pending()).map((migration) => migration.name)
  await migrator.up({ to: names.at(-2) })
  const earlier = await introspect(sequelize, 'public', tables)
  await hooks.beforeLast?.()
  assert.deepEqual((await migrator.up()).map((migration) => migration.name), [names.at(-1)])
  await hooks.afterLast?.()
  await migrator.down()
  assert.deepEqual(await introspect(sequelize, 'public', tables), earlier, 'down gives back the earlier schema')
}

const query = (sql: string, replacements: Record<string, unknown> = {}) =>
  scratch.sequelize.query(sql, { type: QueryTypes.SELECT, replacements }) as Promise<Record<string, any>[]>

/** A client row (and its manager), so that a migration meets a table that is not empty. */
async function insertClient(): Promise<number> {
  const [manager] = await query(`INSERT INTO admin_users (email, name, password_hash) VALUES ('m@example.com', 'M', 'x') RETURNING id`)
  const [client] = await query(
    `INSERT INTO clients (login, password_hash, manager_id, email) VALUES ('existing', 'x', :manager, 'e@example.com') RETURNING id`,
    { manager: manager.id },
  )
  return client.id
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('migration:check', () => {
  test('passes on the project: definitions and migrations agree', async () => {
    const diff = await compareSchema({ definitions: realDefinitions, migrationsDir: realMigrations }, scratch.sequelize)
    assert.deepEqual(diff.differences, [])
  })

  test('fails with a readable diff when a definition and the migrations disagree', async () => {
    const mismatched = withClient((sections) => {
      sections['Company and contact details'].skype.maxLength = 80
      sections['Sending permissions'].dlrWaitDays.max = 60
      sections['Email and notification settings'].priceUpdateFormat.required = false
      delete sections['Email and notification settings'].priceUpdateFormat.default
      sections['Another'].productId.references!.onDelete = 'SET NULL'
      delete sections['Another'].comments
    })
    const diff = await compareSchema({ definitions: mismatched, migrationsDir: realMigrations }, scratch.sequelize)
    const report = driftReport(diff, realMigrations)
    const line = (subject: string, detail: string) => assert.match(report, new RegExp(`^ +${escape(subject)} +${escape(detail)}$`, 'm'))
    assert.match(report, /^The resource definitions and the schema migrated by .*migrations\/ disagree/)
    assert.match(report, /^  clients$/m)
    line('~ skype', 'type: migrations varchar(64), definitions varchar(80)')
    line('~ clients_dlr_wait_days_range', 'migrations CHECK (dlr_wait_days BETWEEN 1 AND 30), definitions CHECK (dlr_wait_days BETWEEN 1 AND 60)')
    line('~ price_update_format', "default: migrations 'xlsx', definitions none")
    line('~ price_update_format', 'nullability: migrations NOT NULL, definitions nullable')
    line('~ clients_product_id_fkey', 'migrations FOREIGN KEY (product_id) REFERENCES products(id) ON DELETE RESTRICT, definitions FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE SET NULL')
    line('- comments', 'column text')
    line('- clients_comments_length', 'CHECK (char_length(comments) <= 10000)')
    assert.equal(diff.differences.length, 7, report)
    assert.match(report, /npm run migration:generate -- <name>/)
  })
})

describe('migration:generate', () => {
  test('no change, no file', async () => {
    const dir = await copyOfMigrations()
    const before = await readdir(dir)
    const result = await generateMigration({ definitions: realDefinitions, migrationsDir: dir, name: 'nothing' }, scratch.sequelize)
    assert.equal(result.file, undefined)
    assert.deepEqual(result.diff.steps, [])
    assert.deepEqual(await readdir(dir), before)
  })

  test('a new field: the next numbered migration adds its column, default and range check, and down removes it', async () => {
    const dir = await copyOfMigrations()
    const definitionsWithField = withClient((sections) => {
      sections['Sending permissions'].maxParts = { label: 'Max message parts', kind: 'integer', min: 1, max: 10, default: 4, row: 'sending' }
    })
    const { file, diff } = await generateMigration({ definitions: definitionsWithField, migrationsDir: dir, name: 'Client max parts' }, scratch.sequelize)
    // The highest number plus one (numbers may have gaps while branches each reserve their own).
    const next = String(Math.max(...(await migrationFiles(realMigrations)).map((file) => Number(file.slice(0, 4)))) + 1).padStart(4, '0')
    assert.equal(path.basename(file!), `${next}-client-max-parts.ts`)
    assert.deepEqual(diff.warnings, [])
    const text = await readFile(file!, 'utf8')
    assert.match(text, /ADD COLUMN max_parts integer NOT NULL DEFAULT 4\n\s+CONSTRAINT clients_max_parts_range CHECK \(max_parts BETWEEN 1 AND 10\);/)
    assert.match(text, /ALTER TABLE clients DROP COLUMN max_parts;/)

    const after = await compareSchema({ definitions: definitionsWithField, migrationsDir: dir }, scratch.sequelize)
    assert.deepEqual(after.differences, [], 'with the new migration the definitions are in sync')

    let clientId = 0
    await applyLastMigration(dir, {
      beforeLast: async () => {
        clientId = await insertClient()
      },
      afterLast: async () => {
        const [column] = await query(
          `SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS "default"
             FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = 'clients'::regclass AND a.attname = 'max_parts'`,
        )
        assert.deepEqual(column, { type: 'integer', not_null: true, default: '4' })
        const [{ definition }] = await query(`SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'clients_max_parts_range'`)
        assert.equal(definition, 'CHECK (((max_parts >= 1) AND (max_parts <= 10)))')
        const [existing] = await query(`SELECT max_parts FROM clients WHERE id = :id`, { id: clientId })
        assert.equal(existing.max_parts, 4, 'the row stored before the migration got the default')
        await assert.rejects(
          scratch.sequelize.query(`UPDATE clients SET max_parts = 11 WHERE id = :id`, { replacements: { id: clientId } }),
          (error: any) => error.parent?.constraint === 'clients_max_parts_range',
        )
      },
    })
    const remaining = await query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'clients' AND column_name = 'max_parts'`)
    assert.equal(remaining.length, 0, 'down removed the column')
  })

  test('a new enum value replaces the check; longer text, unique rules, a required field with a default', async () => {
    const dir = await copyOfMigrations()
    const changed = withClient((sections) => {
      const core = sections['Core client settings']
      core.moderation.options = [...core.moderation.options!, { value: 'review', label: 'Review' }]
      const contact = sections['Company and contact details']
      contact.skype.maxLength = 128
      contact.contractNumber.unique = true
      contact.company.unique = 'caseInsensitive'
      contact.contactName = { ...contact.contactName, required: true, default: 'Unknown' }
    })
    const { file, diff } = await generateMigration({ definitions: changed, migrationsDir: dir, name: 'client rules' }, scratch.sequelize)
    const text = await readFile(file!, 'utf8')
    const [up, down] = text.split('export const down')
    assert.match(up, /ALTER TABLE clients DROP CONSTRAINT clients_moderation_check;/)
    assert.match(up, /ALTER TABLE clients ADD CONSTRAINT clients_moderation_check CHECK \(moderation IN \('manual', 'automatic', 'review'\)\);/)
    assert.match(up, /ALTER TABLE clients ALTER COLUMN skype TYPE varchar\(128\);/)
    assert.match(up, /ALTER TABLE clients ADD CONSTRAINT clients_contract_number_unique UNIQUE \(contract_number\);/)
    assert.match(up, /CREATE UNIQUE INDEX clients_company_lower_unique ON clients \(lower\(company\)\);/)
    assert.match(up, /UPDATE clients SET contact_name = 'Unknown' WHERE contact_name IS NULL;\n\s*ALTER TABLE clients ALTER COLUMN contact_name SET NOT NULL;/)
    assert.match(down, /ALTER TABLE clients ADD CONSTRAINT clients_moderation_check CHECK \(moderation IN \('manual', 'automatic'\)\);/)
    assert.match(down, /ALTER TABLE clients ALTER COLUMN skype TYPE varchar\(64\);/)
    assert.deepEqual(diff.warnings, [])

    assert.deepEqual((await compareSchema({ definitions: changed, migrationsDir: dir }, scratch.sequelize)).differences, [])
    await applyLastMigration(dir, { beforeLast: async () => void (await insertClient()) })
  })

  test('a new searchable field: its migration rebuilds the stored search text and its one index with it (and analyzes the table), no index of its own', async () => {
    const dir = await copyOfMigrations()
    const searchable = withClient((sections) => {
      sections['Company and contact details'].contactName.search = true
    })
    const { file, diff } = await generateMigration({ definitions: searchable, migrationsDir: dir, name: 'search contact name' }, scratch.sequelize)
    assert.deepEqual(
      diff.differences.map((difference) => `${difference.sign} ${difference.subject}`),
      ['~ search_text', '~ clients_search_trgm'],
    )
    const [up, down] = (await readFile(file!, 'utf8')).split('export const down')
    // PostgreSQL 15 cannot change a generated column's expression: the column is dropped (its
    // index with it) and added again, and the index created again on it.
    assert.match(
      up,
      /DROP INDEX clients_search_trgm;\s+ALTER TABLE clients DROP COLUMN search_text;\s+ALTER TABLE clients\s+ADD COLUMN search_text text GENERATED ALWAYS AS \(lower\(coalesce\("login", ''\) \|\| chr\(31\) \|\| coalesce\("contact_name", ''\) \|\| chr\(31\) \|\| coalesce\("company", ''\) \|\| chr\(31\) \|\| coalesce\("email", ''\)\)\) STORED;\s+CREATE INDEX clients_search_trgm ON clients USING gin \(search_text gin_trgm_ops\);\s+ANALYZE clients;/,
    )
    assert.doesNotMatch(up, /clients_contact_name_trgm/, 'the search index serves it')
    assert.match(down, /ADD COLUMN search_text text GENERATED ALWAYS AS \(lower\(.*company.*\)\) STORED;\s+CREATE INDEX clients_search_trgm ON clients USING gin \(search_text gin_trgm_ops\)/)
    assert.doesNotMatch(down, /contact_name/)
    assert.deepEqual((await compareSchema({ definitions: searchable, migrationsDir: dir }, scratch.sequelize)).differences, [])
    await applyLastMigration(dir, { beforeLast: async () => void (await insertClient()) })
  })

  test('a field no longer searchable: a single searchable field needs no stored search text (its own index serves it), and dropping it loses nothing', async () => {
    const dir = await copyOfMigrations()
    const narrowed = withClient((sections) => {
      for (const section of Object.values(sections)) {
        for (const [name, def] of Object.entries(section)) if (name !== 'login' && def.search) delete def.search
      }
    })
    const { file, diff } = await generateMigration({ definitions: narrowed, migrationsDir: dir, name: 'search login only' }, scratch.sequelize)
    assert.deepEqual(
      diff.differences.map((difference) => `${difference.sign} ${difference.subject}`).sort(),
      ['- clients_search_trgm', '- search_text'],
    )
    assert.ok(!diff.warnings.some((warning) => warning.includes('search_text')), diff.warnings.join('\n'))
    const [up, down] = (await readFile(file!, 'utf8')).split('export const down')
    assert.match(up, /ALTER TABLE clients DROP COLUMN search_text;/)
    assert.match(down, /ALTER TABLE clients ADD COLUMN search_text text GENERATED ALWAYS AS \(lower\(.*\)\) STORED;[\s\S]*CREATE INDEX clients_search_trgm/)
    await applyLastMigration(dir, { beforeLast: async () => void (await insertClient()) })
  })

  test('a rename reads as a drop and an add: the generator warns instead of guessing', async () => {
    const dir = await copyOfMigrations()
    const renamed = withClient((sections) => {
      const contact = sections['Company and contact details']
      contact.skypeName = contact.skype
      delete contact.skype
    })
    const { file, diff } = await generateMigration({ definitions: renamed, migrationsDir: dir, name: 'rename skype' }, scratch.sequelize)
    const text = await readFile(file!, 'utf8')
    assert.match(text, /ALTER TABLE clients DROP COLUMN skype;/)
    assert.match(text, /ADD COLUMN skype_name varchar\(64\)/)
    assert.ok(diff.warnings.some((warning) => /skype removed and skype_name added\. If that is a rename, hand-edit/.test(warning)), diff.warnings.join('\n'))
    assert.match(text, /TO CHECK BY HAND[\s\S]*If that is a rename/)
  })
})

/**
 * A resource that exists nowhere but here, with one of every rule the generator derives: its
 * migration is generated from nothing but this definition.
 */
const gadgetDefinition: ResourceDefinition = {
  name: 'Gadget',
  table: 'gadgets',
  history: true,
  // The version column and trigger come from this flag alone, with no field entry.
  versioned: true,
  ownedThrough: 'clientId',
  sections: [
    {
      title: '',
      fields: {
        clientId: { label: 'Client', kind: 'reference', required: true, references: { resource: 'Client', table: 'clients', onDelete: 'CASCADE' }, filter: true },
        productId: { label: 'Product', kind: 'reference', references: { resource: 'Product', table: 'products', onDelete: 'SET NULL' } },
        code: {
          label: 'Code',
          kind: 'string',
          required: true,
          minLength: 2,
          maxLength: 12,
          pattern: { regex: /^[A-Za-z0-9]+$/, message: 'Letters and digits' },
          unique: { with: 'clientId', ignoreCase: true },
          list: 1,
        },
        size: { label: 'Size', kind: 'enum', required: true, default: 'small', options: [{ value: 'small', label: 'Small' }, { value: 'large', label: 'Large' }] },
        weight: { label: 'Weight', kind: 'integer', min: 1, max: 500 },
        notes: { label: 'Notes', kind: 'text', maxLength: 2000, search: true },
      },
    },
  ],
}

describe('a new resource: every rule of its definition is generated', () => {
  const withGadget = [...realDefinitions, gadgetDefinition]
  let dir: string
  let text: string

  before(async () => {
    dir = await copyOfMigrations()
    const { file, diff } = await generateMigration({ definitions: withGadget, migrationsDir: dir, name: 'gadgets' }, scratch.sequelize)
    assert.deepEqual(diff.warnings, [])
    text = await readFile(file!, 'utf8')
  })

  test('the migration holds each rule', () => {
    const has = (pattern: RegExp) => assert.match(text, pattern)
    has(/CONSTRAINT gadgets_client_id_fkey REFERENCES clients \(id\) ON DELETE CASCADE/)
    has(/CONSTRAINT gadgets_product_id_fkey REFERENCES products \(id\) ON DELETE SET NULL/)
    has(/code +varchar\(12\) NOT NULL\n\s+CONSTRAINT gadgets_code_length CHECK \(char_length\(code\) >= 2\)\n\s+CONSTRAINT gadgets_code_pattern CHECK \(code ~ '\^\[A-Za-z0-9\]\+\$'\)/)
    has(/CONSTRAINT gadgets_size_check CHECK \(size IN \('small', 'large'\)\)/)
    has(/CONSTRAINT gadgets_weight_range CHECK \(weight BETWEEN 1 AND 500\)/)
    has(/CONSTRAINT gadgets_notes_length CHECK \(char_length\(notes\) <= 2000\)/)
    has(/CREATE UNIQUE INDEX gadgets_code_unique ON gadgets \(client_id, lower\(code\)\);/)
    has(/CREATE INDEX gadgets_notes_trgm ON gadgets USING gin \(notes gin_trgm_ops\);/)
    has(/CREATE INDEX gadgets_product_id_idx ON gadgets \(product_id\);/)
    has(/CREATE INDEX gadgets_code_idx ON gadgets \(code\);/)
    assert.doesNotMatch(text, /gadgets_client_id_idx/, 'the unique index on (client_id, …) serves the reference')
    has(/CREATE TRIGGER gadgets_history AFTER INSERT OR DELETE OR UPDATE ON gadgets FOR EACH ROW EXECUTE FUNCTION record_change\('Gadget', 'client_id'\);/)
    has(/CREATE TRIGGER gadgets_version BEFORE UPDATE ON gadgets FOR EACH ROW EXECUTE FUNCTION record_version_next\(\);/)
    has(/version +integer NOT NULL DEFAULT 1/)
  })

  test('applied, the database enforces them, records history with the owning client, counts versions; down removes it all', async () => {
    assert.deepEqual((await compareSchema({ definitions: withGadget, migrationsDir: dir }, scratch.sequelize)).differences, [])
    await applyLastMigration(dir, {
      afterLast: async () => {
        const clientId = await insertClient()
        const insert = (code: string, extra = '') =>
          scratch.sequelize.query(`INSERT INTO gadgets (client_id, code${extra ? ', weight' : ''}) VALUES (:clientId, :code${extra ? `, ${extra}` : ''})`, {
            replacements: { clientId, code },
          })
        const refusedBy = (constraint: string) => (error: any) => error.parent?.constraint === constraint
        await assert.rejects(insert('bad code'), refusedBy('gadgets_code_pattern'))
        await assert.rejects(insert('A'), refusedBy('gadgets_code_length'))
        await assert.rejects(insert('W1', '999'), refusedBy('gadgets_weight_range'))
        await insert('ABC1')
        await assert.rejects(
          scratch.sequelize.query(`INSERT INTO gadgets (client_id, code) VALUES (:clientId, 'abc1')`, { replacements: { clientId } }),
          refusedBy('gadgets_code_unique'),
        )
        const [gadget] = await query(`SELECT id, version FROM gadgets WHERE code = 'ABC1'`)
        await scratch.sequelize.query(`UPDATE gadgets SET weight = 5 WHERE id = :id`, { replacements: { id: gadget.id } })
        const [{ version }] = await query(`SELECT version FROM gadgets WHERE id = :id`, { id: gadget.id })
        assert.equal(version, 2, 'the version trigger counts the change')
        await assert.rejects(
          scratch.sequelize.query(`UPDATE gadgets SET weight = 6, version = 1 WHERE id = :id`, { replacements: { id: gadget.id } }),
          refusedBy('gadgets_version_stale'),
        )
        const entries = await query(`SELECT action, client_id, record_version FROM change_history WHERE resource = 'Gadget' ORDER BY id`)
        assert.deepEqual(entries, [
          { action: 'create', client_id: clientId, record_version: 1 },
          { action: 'update', client_id: clientId, record_version: 2 },
        ])
        await scratch.sequelize.query(`DELETE FROM clients WHERE id = :clientId`, { replacements: { clientId } })
        assert.deepEqual(await query(`SELECT id FROM gadgets`), [], 'ON DELETE CASCADE')
      },
    })
  })

  test('migration:check reports each rule the database lacks, generated or hand-written', async () => {
    await writeFile(
      path.join(dir, '9999-drop-rules.ts'),
      `export const up = async ({ context: { sequelize } }) => {
  await sequelize.query(\`
    ALTER TABLE gadgets DROP CONSTRAINT gadgets_code_pattern;
    ALTER TABLE gadgets DROP CONSTRAINT gadgets_size_check;
    ALTER TABLE gadgets DROP CONSTRAINT gadgets_weight_range;
    ALTER TABLE gadgets DROP CONSTRAINT gadgets_client_id_fkey;
    ALTER TABLE gadgets ADD CONSTRAINT gadgets_client_id_fkey FOREIGN KEY (client_id) REFERENCES clients (id);
    DROP INDEX gadgets_code_unique;
    DROP INDEX gadgets_notes_trgm;
    DROP INDEX gadgets_product_id_idx;
    DROP TRIGGER gadgets_history ON gadgets;
    DROP TRIGGER gadgets_version ON gadgets;
    ALTER TABLE clients DROP CONSTRAINT clients_login_format;
    DROP INDEX clients_login_trgm;
  \`)
}
export const down = async () => {}
`,
    )
    const diff = await compareSchema({ definitions: withGadget, migrationsDir: dir }, scratch.sequelize)
    const report = driftReport(diff, dir)
    const subjects = diff.differences.map((difference) => `${difference.sign} ${difference.subject}`).sort()
    assert.deepEqual(
      subjects,
      [
        '+ clients_login_format',
        '+ clients_login_trgm',
        '+ gadgets_code_pattern',
        '+ gadgets_code_unique',
        '+ gadgets_history',
        '+ gadgets_notes_trgm',
        '+ gadgets_product_id_idx',
        '+ gadgets_size_check',
        '+ gadgets_version',
        '+ gadgets_weight_range',
        '~ gadgets_client_id_fkey',
      ],
      report,
    )
    assert.match(report, /gadgets_client_id_fkey +migrations FOREIGN KEY \(client_id\) REFERENCES clients\(id\), definitions FOREIGN KEY \(client_id\) REFERENCES clients \(id\) ON DELETE CASCADE/)
  })
})
