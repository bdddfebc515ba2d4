import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { Database as SequelizeDatabase, Resource as SequelizeResource } from '@adminjs/sequelize'
import AdminJS, { ActionDecorator, ApiController, ResourceDecorator, BasePropertyComponent, BaseRecord, ComponentLoader, FORM_VALUE_NULL } from 'adminjs'
import express, { type Request } from 'express'
import { DataTypes, Op, Sequelize } from 'sequelize'
import request from 'supertest'
import { adminOf } from '../src/panel/adminjs-internals/action-context.js'
import { apiReads, statusOnlyResponse } from '../src/panel/adminjs-internals/api-reads.js'
import { isParsed, markParsed } from '../src/panel/adminjs-internals/formidable-parsed.js'
import { GOOGLE_FONTS_LINK } from '../src/panel/adminjs-internals/local-fonts.js'
import { memoizeFlattenProperties, memoizeLayoutsByRole } from '../src/panel/adminjs-internals/memoize-layouts.js'
import { forListRow, listRowJson, recordJson } from '../src/panel/adminjs-internals/record-json.js'
import { STATE_STATEMENTS, TEMPLATE_SCRIPT } from '../src/panel/adminjs-internals/safe-pages.js'
import { selectSql } from '../src/panel/adminjs-internals/select-sql.js'

/**
 * What src/panel/adminjs-internals/ (and the components named below) rely on in AdminJS, its
 * adapter, Sequelize and express-formidable beyond their documented API. After an upgrade, a
 * failure here names the reliance that broke; fix the file it names before anything else.
 */

// The project folder: tests run there, from source or from npm test's transpiled copy alike.
const root = path.resolve('.')
const require = createRequire(import.meta.url)

// No connection is opened: models, SQL generation and AdminJS's decorators work without one.
const sequelize = new Sequelize('postgres://nobody@127.0.0.1:1/none', { logging: false })
const Thing = sequelize.define('Thing', { name: DataTypes.STRING(64), ownerId: DataTypes.INTEGER }, { tableName: 'things', underscored: true })
AdminJS.registerAdapter({ Database: SequelizeDatabase, Resource: SequelizeResource })
const admin = new AdminJS({ resources: [Thing], rootPath: '/admin' })
const things = admin.findResource('things')
const currentAdmin = { id: '1', email: 'a@example.com', role: 'admin' }

describe('AdminJS internals the panel relies on', () => {
  test('the AdminJS packages are pinned to exact versions', () => {
    const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    for (const name of ['adminjs', '@adminjs/express', '@adminjs/sequelize']) {
      assert.match(dependencies[name], /^\d+\.\d+\.\d+$/, `${name} must be pinned exactly: its internals are relied on (this file)`)
    }
  })

  test('memoize-layouts.ts: ActionDecorator.prototype.layout exists, toJSON calls it, and it is replaced', () => {
    const prototype = ActionDecorator.prototype as unknown as { layout: unknown; toJSON: () => unknown }
    const original = prototype.layout
    assert.equal(typeof original, 'function', 'ActionDecorator.prototype.layout is gone')
    assert.match(String(prototype.toJSON), /this\.layout\(/, 'ActionDecorator.toJSON no longer builds the layout through this.layout()')
    memoizeLayoutsByRole()
    assert.notEqual(prototype.layout, original, 'the layout method was not replaced')
    const show = things.decorate().actions.show
    assert.equal(show.layout(currentAdmin), show.layout(currentAdmin), 'one parsed layout per role')
  })

  test('memoize-layouts.ts: ResourceDecorator.prototype.getFlattenProperties exists, the populator calls it, and it is kept', () => {
    const prototype = ResourceDecorator.prototype as unknown as { getFlattenProperties: () => unknown }
    const original = prototype.getFlattenProperties
    assert.equal(typeof original, 'function', 'ResourceDecorator.prototype.getFlattenProperties is gone')
    const populator = readFileSync(path.join(path.dirname(require.resolve('adminjs')), 'lib/backend/utils/populator/populator.js'), 'utf8')
    assert.match(populator, /getFlattenProperties\(\)/, 'the populator no longer asks for the flattened properties')
    const decorated = things.decorate()
    const before = original.call(decorated)
    memoizeFlattenProperties()
    assert.notEqual(prototype.getFlattenProperties, original, 'getFlattenProperties was not replaced')
    assert.deepEqual(Object.keys(decorated.getFlattenProperties()), Object.keys(before as object))
    assert.equal(decorated.getFlattenProperties(), decorated.getFlattenProperties(), 'kept per decorator')
  })

  test('select-sql.ts: the query generator builds a SELECT without running it', () => {
    const generator = (sequelize.getQueryInterface() as unknown as { queryGenerator?: { selectQuery?: unknown } }).queryGenerator
    assert.equal(typeof generator?.selectQuery, 'function', 'queryInterface.queryGenerator.selectQuery is gone')
    const sql = selectSql(Thing, 'things', ['id', 'ownerId'], { [Op.and]: [{ ownerId: 7 }] }, 10, 20, [['ownerId', 'DESC']])
    assert.equal(sql, 'SELECT "id", "owner_id" AS "ownerId" FROM "things" AS "Thing" WHERE ("Thing"."owner_id" = 7) ORDER BY "ownerId" DESC LIMIT 10 OFFSET 20')
  })

  test('select-sql.ts: a text kept for a query shape is the one its inputs generate, for each value and type', () => {
    const generate = (where: Record<string | symbol, unknown>) => selectSql(Thing, 'things', ['id'], { [Op.and]: [where] })
    const shapes: Record<string | symbol, unknown>[] = [
      { ownerId: 7 },
      { ownerId: 8 },
      { ownerId: '7' },
      { ownerId: null },
      { ownerId: Number.NaN },
      { ownerId: { [Op.in]: [1, 2] } },
      { ownerId: { [Op.notIn]: [1, 2] } },
      { name: { [Op.iLike]: '%a%' } },
      { name: { [Op.iLike]: '%b%' } },
      { createdAt: new Date('2026-01-01T00:00:00Z') },
    ]
    const texts = shapes.map(generate)
    assert.equal(new Set(texts).size, shapes.length, 'each input its own text')
    // Asked again (answered from what was kept, where the inputs are plain data): the same texts.
    assert.deepEqual(shapes.map(generate), texts)
    assert.match(generate({ ownerId: 8 }), /= 8\)$/)
  })

  test('action-context.ts: an action context carries the AdminJS instance as `_admin`', async () => {
    const controller = new ApiController({ admin }, currentAdmin)
    const context = await controller.getActionContext({ params: { resourceId: 'things', action: 'list' }, method: 'get' } as never)
    assert.equal(adminOf(context), admin, 'ActionContext._admin is gone: list-action.ts and the adapter\'s references need another way to the instance')
  })

  test("api-reads.ts: a list action and the dashboard get the request and context ApiController gives them", async () => {
    const seen: { request: Record<string, unknown>; context: Record<string, unknown> }[] = []
    const remember = async (request: unknown, _response: unknown, context: unknown) => {
      seen.push({ request: request as Record<string, unknown>, context: context as Record<string, unknown> })
      return { answered: true }
    }
    const echoing = new AdminJS({
      rootPath: '/admin',
      resources: [{ resource: Thing, options: { actions: { list: { handler: remember } } } }],
      dashboard: { handler: remember },
    })
    // What @adminjs/express's routeHandler hands the controller for a GET, less Express's own fields.
    const asRouted = (params: Record<string, string>) => ({ params, query: { page: '2', 'filters.name': 'x' }, payload: {}, method: 'get' })
    const controller = new ApiController({ admin: echoing }, currentAdmin)
    const reads = apiReads(echoing)
    assert.deepEqual(await controller.resourceAction(asRouted({ resourceId: 'things', action: 'list' }) as never, {} as never), { answered: true })
    assert.deepEqual(await reads.list('things', { page: '2', 'filters.name': 'x' }, currentAdmin, statusOnlyResponse()), { answered: true })
    assert.deepEqual(await controller.dashboard(asRouted({}) as never, {} as never), { answered: true })
    assert.deepEqual(await reads.dashboard({ page: '2', 'filters.name': 'x' }, currentAdmin, statusOnlyResponse()), { answered: true })
    const [listByAdminJS, listByLane, homeByAdminJS, homeByLane] = seen
    for (const [adminjs, lane, what] of [[listByAdminJS, listByLane, 'list'], [homeByAdminJS, homeByLane, 'dashboard']] as const) {
      const requestOf = ({ params, query, payload, method }: Record<string, unknown>) => ({ params, query, payload, method })
      assert.deepEqual(requestOf(lane.request), requestOf(adminjs.request), `${what}: the request ApiController builds changed`)
      assert.deepEqual(Object.keys(lane.context).sort(), Object.keys(adminjs.context).sort(), `${what}: the context ApiController builds changed`)
      for (const key of ['resource', 'action', 'currentAdmin', '_admin']) assert.equal(lane.context[key], adminjs.context[key], `${what}: context.${key}`)
    }
  })

  test("select-rows.ts (src/db): Sequelize's connection manager lends and takes back its pooled connections", () => {
    const manager = sequelize.connectionManager as unknown as Record<string, unknown>
    assert.equal(typeof manager.getConnection, 'function', 'connectionManager.getConnection is gone')
    assert.equal(typeof manager.releaseConnection, 'function', 'connectionManager.releaseConnection is gone')
    assert.match(String((manager as { validate?: unknown }).validate), /_invalid/, 'a connection marked _invalid is no longer refused by the pool')
  })

  test('record-json.ts: a hand-built RecordJSON has exactly the keys BaseRecord.toJSON writes', () => {
    const stock = new BaseRecord({ id: 1, name: 'x' }, things).toJSON(currentAdmin)
    const built = recordJson({ id: '1', params: {}, populated: {}, recordActions: [] })
    assert.deepEqual(Object.keys(built).sort(), Object.keys(stock).sort())
    const row = listRowJson({ id: '1', params: {}, populated: {}, recordActions: [], bulkActions: [] })
    for (const key of Object.keys(row)) assert.ok(key in stock, `a list row's ${key} is not a RecordJSON key any more`)
  })

  test('record-json.ts: forListRow trims keys ActionDecorator.toJSON writes', () => {
    const action = things.decorate().actions.show.toJSON(currentAdmin) as unknown as Record<string, unknown>
    for (const key of ['layout', 'containerWidth', 'hideActionHeader', 'showResourceActions', 'showFilter', 'custom', 'parent', 'showInDrawer', 'variant', 'guard', 'resourceId', 'component', 'hasHandler', 'name']) {
      assert.ok(key in action, `ActionJSON has no ${key} any more`)
    }
    const trimmed = forListRow(action)
    assert.equal(trimmed.name, 'show')
    assert.ok(!('layout' in trimmed) && !('resourceId' in trimmed))
  })

  test('SafeRecord (adapter/response-shaping.ts): BaseRecord.update merges posted params before it asks for id()', async () => {
    const record = new BaseRecord({ id: 1, name: 'x' }, things)
    let updatedId: unknown
    things.update = async (id: string) => {
      updatedId = id
      return {}
    }
    await record.update({ id: 2 })
    assert.equal(String(updatedId), '2', 'if AdminJS now keeps the id, SafeRecord\'s pinned id() is no longer needed (keep it anyway)')
    assert.ok('populated' in record, 'BaseRecord.populated (which SafeRecord.toJSON swaps out) is gone')
  })

  test('adapter/filters.ts: FORM_VALUE_NULL is the "no value" marker (Dashboard.jsx spells it out)', () => {
    assert.equal(FORM_VALUE_NULL, '__FORM_VALUE_NULL__')
    assert.match(readFileSync(path.join(root, 'src/panel/components/Dashboard.jsx'), 'utf8'), /'__FORM_VALUE_NULL__'/)
  })

  test('components: the stock editors ReadOnlyOnceSet.jsx and RequiredOnCreate.jsx wrap exist', () => {
    const editors = BasePropertyComponent as unknown as Record<string, { Edit?: unknown }>
    for (const type of ['DefaultType', 'Password']) assert.ok(editors[type]?.Edit, `BasePropertyComponent.${type}.Edit is gone`)
  })

  test('components.ts: the overridden components are still overridable', () => {
    const overridable = (ComponentLoader as unknown as { defaultComponents: string[] }).defaultComponents
    for (const name of ['LoggedIn', 'DashboardRoute']) assert.ok(overridable.includes(name), `${name} can no longer be overridden`)
  })

  test('safe-pages.ts and local-fonts.ts: the rewritten strings are in the page templates', async () => {
    const templateFile = require.resolve('adminjs').replace(/index\.js$/, 'lib/frontend/layout-template.js')
    const { default: layoutTemplate } = (await import(pathToFileURL(templateFile).href)) as { default: (admin: AdminJS, user: unknown, location: string) => Promise<string> }
    const page = await layoutTemplate(admin, currentAdmin, '/admin')
    const login = await admin.renderLogin({ action: '/admin/login', errorMessage: '' })
    const startsLine = (html: string, statement: string) => new RegExp(`\\n[ \\t]*${statement.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(html)
    assert.ok(startsLine(page, STATE_STATEMENTS.redux), 'window.REDUX_STATE no longer begins a line of the layout')
    assert.ok(startsLine(page, STATE_STATEMENTS.theme), 'window.THEME no longer begins a line of the layout')
    assert.ok(startsLine(login, STATE_STATEMENTS.login), 'the login page no longer sets window.__APP_STATE__ with JSON.parse')
    assert.ok(page.match(TEMPLATE_SCRIPT)!.length >= 2, 'the layout\'s own inline scripts are no longer recognized')
    assert.ok(login.match(TEMPLATE_SCRIPT)!.length >= 2, 'the login page\'s own inline scripts are no longer recognized')
    assert.equal([...`${page}${login}`.matchAll(/<script>/g)].length, [...`${page}${login}`.matchAll(TEMPLATE_SCRIPT)].length, 'an inline script would get no nonce')
    assert.ok(page.includes(GOOGLE_FONTS_LINK), 'the Google Fonts link changed: local-fonts.ts rewrites nothing')
  })

  test('formidable-parsed.ts: express-formidable leaves a request marked as parsed alone', async () => {
    const formidable = require('express-formidable') as () => express.RequestHandler
    const app = express()
    app.use('/marked', (req, _res, next) => {
      markParsed(req, { ours: 'yes' })
      next()
    })
    app.use(formidable())
    app.post('*', (req: Request, res) => res.json({ fields: (req as unknown as { fields: unknown }).fields, parsed: isParsed(req) }))
    const marked = await request(app).post('/marked').type('form').send({ theirs: 'read' })
    assert.deepEqual(marked.body, { fields: { ours: 'yes' }, parsed: true }, 'express-formidable read a body it was told was read')
    const unmarked = await request(app).post('/other').type('form').send({ theirs: 'read' })
    assert.deepEqual(unmarked.body, { fields: { theirs: 'read' }, parsed: true }, 'express-formidable no longer sets the parsed flag')
  })
})
