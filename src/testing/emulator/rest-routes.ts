import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { SaveResult, SObjectRecord } from '../../salesforce/salesforce-types.js'
import type { InMemoryOrg } from '../org/in-memory-org.js'
import type { OrgWriteOptions } from '../org/org-writer.js'
import { to18 } from '../org/salesforce-id.js'
import type { HttpExchange } from './http-exchange.js'
import type { QueryLocators } from './query-locators.js'

/** What REST handlers get besides the exchange. @internal */
export interface RestContext {
  readonly org: InMemoryOrg
  readonly locators: QueryLocators
  /** API version of the request path, e.g. `60.0`. */
  readonly version: string
  /** Write options for the request: `changeOrigin` from `Sforce-Call-Options`. */
  readonly write: OrgWriteOptions
}

type Handler = (
  exchange: HttpExchange,
  context: RestContext,
  params: string[],
) => Promise<void> | void

/** REST routes below `/services/data/vXX.X`, tried in order. @internal */
export const REST_ROUTES: readonly [string, RegExp, Handler][] = [
  [
    'GET',
    /^\/query\/([^/]+)$/,
    (x, c, [loc]) => x.sendJson(200, c.locators.more(loc as string, c.version)),
  ],
  [
    'GET',
    /^\/queryAll\/([^/]+)$/,
    (x, c, [loc]) => x.sendJson(200, c.locators.more(loc as string, c.version)),
  ],
  ['GET', /^\/query$/, (x, c) => query(x, c, false)],
  ['GET', /^\/queryAll$/, (x, c) => query(x, c, true)],
  ['GET', /^\/sobjects$/, (x, c) => x.sendJson(200, c.org.describeGlobal())],
  ['GET', /^\/limits$/, (x, c) => x.sendJson(200, c.org.limits())],
  [
    'GET',
    /^\/sobjects\/([^/]+)\/describe$/,
    (x, c, [type]) => x.sendJson(200, c.org.describe(type as string)),
  ],
  [
    'GET',
    /^\/sobjects\/([^/]+)\/updated$/,
    (x, c, [type]) => {
      const [start, end] = window(x)
      x.sendJson(200, c.org.getUpdated(type as string, start, end))
    },
  ],
  [
    'GET',
    /^\/sobjects\/([^/]+)\/deleted$/,
    (x, c, [type]) => {
      const [start, end] = window(x)
      x.sendJson(200, c.org.getDeleted(type as string, start, end))
    },
  ],
  ['POST', /^\/composite\/sobjects\/([^/]+)$/, retrieveMany],
  ['POST', /^\/composite\/sobjects$/, (x, c) => collection(x, c, 'create')],
  ['PATCH', /^\/composite\/sobjects$/, (x, c) => collection(x, c, 'update')],
  [
    'PATCH',
    /^\/composite\/sobjects\/([^/]+)\/([^/]+)$/,
    (x, c, [type, field]) => collection(x, c, 'upsert', type, field),
  ],
  ['DELETE', /^\/composite\/sobjects$/, deleteMany],
  ['POST', /^\/sobjects\/([^/]+)$/, createOne],
  ['GET', /^\/sobjects\/([^/]+)\/([^/]+)$/, retrieveOne],
  ['PATCH', /^\/sobjects\/([^/]+)\/([^/]+)$/, updateOne],
  ['DELETE', /^\/sobjects\/([^/]+)\/([^/]+)$/, deleteOne],
  ['PATCH', /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)$/, upsertOne],
]

function query(x: HttpExchange, c: RestContext, includeDeleted: boolean): void {
  const soql = x.url.searchParams.get('q') ?? ''
  const result = c.org.query(soql, { includeDeleted })
  const match = /batchSize=(\d+)/.exec(x.header('sforce-query-options') ?? '')
  const batchSize = Math.min(2000, Math.max(200, Number(match?.[1] ?? 2000)))
  x.sendJson(200, c.locators.page(result.records, result.totalSize, batchSize, c.version))
}

function window(x: HttpExchange): [Date, Date] {
  const parse = (name: string) => new Date(x.url.searchParams.get(name) ?? '')
  return [parse('start'), parse('end')]
}

/** A record-level error of a single-record call becomes the HTTP error Salesforce answers. */
function throwIfFailed(result: SaveResult | undefined): SaveResult {
  if (result?.success) return result
  const error = result?.errors[0]
  const status = error?.statusCode === 'ENTITY_IS_DELETED' ? 404 : 400
  throw new SalesforceApiError(error?.message ?? 'failed', {
    errorCode: error?.statusCode ?? 'UNKNOWN_EXCEPTION',
    statusCode: status,
    fields: error?.fields,
  })
}

async function createOne(x: HttpExchange, c: RestContext, [type]: string[]): Promise<void> {
  const record = await x.json<SObjectRecord>()
  const result = throwIfFailed(c.org.create(type as string, [record], c.write)[0])
  x.sendJson(201, { id: result.id, success: true, errors: [] })
}

function retrieveOne(x: HttpExchange, c: RestContext, [type, id]: string[]): void {
  const describe = c.org.describe(type as string)
  const stored = c.org.get(to18(id as string))
  if (!stored || stored.IsDeleted === true) throw notFound()
  const fields = x.url.searchParams.get('fields')?.split(',')
  const names = fields ?? describe.fields.map((f) => f.name)
  const soql = `SELECT ${names.join(', ')} FROM ${describe.name} WHERE Id = '${to18(id as string)}'`
  const record = c.org.query(soql).records[0]
  if (!record) throw notFound()
  x.sendJson(200, record)
}

async function updateOne(x: HttpExchange, c: RestContext, [type, id]: string[]): Promise<void> {
  const record = await x.json<SObjectRecord>()
  throwIfFailed(c.org.update(type as string, [{ ...record, Id: id }], c.write)[0])
  x.sendEmpty(204)
}

function deleteOne(x: HttpExchange, c: RestContext, [type, id]: string[]): void {
  throwIfFailed(c.org.delete(type as string, [id as string], c.write)[0])
  x.sendEmpty(204)
}

async function upsertOne(
  x: HttpExchange,
  c: RestContext,
  [type, field, value]: string[],
): Promise<void> {
  const record = await x.json<SObjectRecord>()
  const key = decodeURIComponent(value as string)
  const result = c.org.upsert(
    type as string,
    field as string,
    [{ ...record, [field as string]: key }],
    c.write,
  )[0]
  const error = result?.errors[0]
  if (error?.statusCode === 'DUPLICATE_EXTERNAL_ID') {
    const ids = /\[(.*)\]/.exec(error.message)?.[1]?.split(', ') ?? []
    x.sendJson(
      300,
      ids.map((id) => `/services/data/v${c.version}/sobjects/${type}/${id}`),
    )
    return
  }
  const saved = throwIfFailed(result)
  x.sendJson(saved.created ? 201 : 200, {
    id: saved.id,
    success: true,
    errors: [],
    created: saved.created,
  })
}

interface CollectionBody {
  allOrNone?: boolean
  records?: SObjectRecord[]
}

async function collection(
  x: HttpExchange,
  c: RestContext,
  operation: 'create' | 'update' | 'upsert',
  type?: string,
  field?: string,
): Promise<void> {
  const body = await x.json<CollectionBody>()
  const records = body.records ?? []
  if (records.length > 200) throw exceeded()
  const options = { ...c.write, allOrNone: body.allOrNone ?? false }
  const results: SaveResult[] = []
  // Records are processed in order; consecutive records of one type go to the org together.
  for (let start = 0; start < records.length; ) {
    const objectName = type ?? records[start]?.attributes?.type
    if (!objectName) {
      throw new SalesforceApiError('Must specify an sObject type for each record', {
        errorCode: 'INVALID_TYPE',
        statusCode: 400,
      })
    }
    let end = start + 1
    while (end < records.length && (type ?? records[end]?.attributes?.type) === objectName) end += 1
    const chunk = records.slice(start, end).map(withoutAttributes)
    if (operation === 'create') results.push(...c.org.create(objectName, chunk, options))
    else if (operation === 'update') results.push(...c.org.update(objectName, chunk, options))
    else results.push(...c.org.upsert(objectName, field as string, chunk, options))
    start = end
  }
  x.sendJson(200, results.map(shape))
}

function deleteMany(x: HttpExchange, c: RestContext): void {
  const ids = (x.url.searchParams.get('ids') ?? '').split(',').filter(Boolean)
  if (ids.length > 200) throw exceeded()
  const allOrNone = x.url.searchParams.get('allOrNone') === 'true'
  const results: SaveResult[] = []
  for (const id of ids) {
    results.push(...c.org.delete(objectOf(c.org, id), [id], { ...c.write, allOrNone }))
  }
  x.sendJson(200, results.map(shape))
}

async function retrieveMany(x: HttpExchange, c: RestContext, [type]: string[]): Promise<void> {
  const body = await x.json<{ ids?: string[]; fields?: string[] }>()
  const describe = c.org.describe(type as string)
  const fields = body.fields ?? describe.fields.map((f) => f.name)
  const ids = (body.ids ?? []).map(to18)
  const found = new Map(
    c.org
      .query(
        `SELECT ${fields.join(', ')} FROM ${describe.name} WHERE Id IN (${ids.map((id) => `'${id}'`).join(', ') || "''"})`,
      )
      .records.map((r) => [r.Id as string, r]),
  )
  x.sendJson(
    200,
    ids.map((id) => found.get(id) ?? null),
  )
}

function objectOf(org: InMemoryOrg, id: string): string {
  const prefix = id.slice(0, 3)
  return org.describeGlobal().sobjects.find((s) => s.keyPrefix === prefix)?.name ?? 'Account'
}

/** sObject Collections result shape: no `created` except for upserts, `errors` with statusCode. */
function shape(result: SaveResult): Record<string, unknown> {
  const out: Record<string, unknown> = result.success
    ? { id: result.id, success: true, errors: [] }
    : { success: false, errors: result.errors }
  if (result.created !== undefined && result.success) out.created = result.created
  return out
}

function notFound(): SalesforceApiError {
  return new SalesforceApiError('The requested resource does not exist', {
    errorCode: 'NOT_FOUND',
    statusCode: 404,
  })
}

function exceeded(): SalesforceApiError {
  return new SalesforceApiError(
    'record limit reached. cannot submit more than 200 records into this call',
    {
      errorCode: 'EXCEEDED_ID_LIMIT',
      statusCode: 400,
    },
  )
}

/** A collection record as the org takes it: no `attributes`, `id` → `Id`. */
function withoutAttributes(record: SObjectRecord): SObjectRecord {
  const { attributes: _, ...rest } = record
  if (typeof rest.id === 'string') {
    rest.Id = rest.id
    delete rest.id
  }
  return rest
}
