import {
  type FieldSubquery,
  type OrderByClause,
  parseQuery,
  type Query,
} from '@jetstreamapp/soql-parser-js'
import type { SObjectDescribe, SObjectRecord } from '../../salesforce/salesforce-types.js'
import { compileWhere } from './compile-where.js'
import { type FieldPath, resolveFieldPath } from './field-path.js'
import { idRangeOf } from './id-range.js'
import type { SoqlDataSource } from './soql-data-source.js'
import { soqlError } from './soql-error.js'
import { compareValues } from './soql-value.js'

/** The answer to a query: every matching record (the caller pages), or a count. */
export interface SoqlResult {
  readonly totalSize: number
  readonly records: SObjectRecord[]
}

/** Options of {@link executeSoql}. */
export interface ExecuteSoqlOptions {
  /** See deleted (recycle bin) records too, as REST `queryAll` does. */
  readonly includeDeleted?: boolean
}

/**
 * Runs a SOQL query over a {@link SoqlDataSource} the way Salesforce answers it: canonical field
 * names in SELECT order, parent fields nested under their relationship with `attributes`, child
 * subqueries as nested query results, `COUNT()` as a bare `totalSize`. Supports WHERE with
 * AND/OR/NOT and parentheses, comparisons, IN/NOT IN, LIKE, INCLUDES/EXCLUDES, null, date and
 * datetime literals and date literals; ORDER BY with NULLS FIRST/LAST; LIMIT; OFFSET (≤ 2000).
 * Errors are `SalesforceApiError`s with Salesforce's codes (MALFORMED_QUERY, INVALID_TYPE,
 * INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, NUMBER_OUTSIDE_VALID_RANGE).
 */
export function executeSoql(
  soql: string,
  source: SoqlDataSource,
  options: ExecuteSoqlOptions = {},
): SoqlResult {
  let query: Query
  try {
    query = parseQuery(soql)
  } catch (error) {
    throw soqlError(
      'MALFORMED_QUERY',
      `${soql}\n${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return runQuery(query, source, options.includeDeleted ?? false, undefined)
}

function runQuery(
  query: Query,
  source: SoqlDataSource,
  includeDeleted: boolean,
  restrict: ((record: SObjectRecord) => boolean) | undefined,
): SoqlResult {
  const objectName = query.sObject ?? ''
  const describe = source.describe(objectName)
  if (!describe) throw soqlError('INVALID_TYPE', `sObject type '${objectName}' is not supported.`)
  const version = source.apiVersion ?? '60.0'
  const fields = query.fields ?? []
  const isCount = fields.some(
    (f) => f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'COUNT',
  )
  if (
    !isCount &&
    fields.some((f) => f.type === 'FieldFunctionExpression' || f.type === 'FieldTypeof')
  ) {
    throw soqlError(
      'MALFORMED_QUERY',
      'only plain fields, parent fields, subqueries and COUNT() are supported',
    )
  }
  const where = compileWhere(query.where, describe, source)
  const offset = query.offset ?? 0
  if (offset > 2000)
    throw soqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`)
  const projection = isCount
    ? []
    : fields.map((f) => projector(f, describe, source, includeDeleted, version))
  const order = query.orderBy ? comparator(query.orderBy, describe, source) : undefined

  const matches = (record: SObjectRecord) =>
    (restrict === undefined || restrict(record)) && where(record)
  const limited = query.limit !== undefined && !isCount
  let matched: SObjectRecord[]
  const indexed = idIndexed(query, source, describe.name, includeDeleted, limited)
  if (indexed) {
    // An Id range or ORDER BY Id … LIMIT n: read through the index on Id, as Salesforce does.
    matched = []
    const wanted = limited && indexed.ordered ? offset + (query.limit ?? 0) : Infinity
    for (const record of indexed.records) {
      if (matched.length >= wanted) break
      if (matches(record)) matched.push(record)
    }
    if (order && !indexed.ordered) matched.sort(order)
  } else if (order && limited) {
    // ORDER BY … LIMIT n: keep the first offset + n only, as an index would; a keyset page over a
    // large object no longer sorts every record after the cursor.
    matched = firstInOrder(
      source.records(describe.name, includeDeleted),
      matches,
      order,
      offset + (query.limit ?? 0),
    )
  } else {
    matched = []
    for (const record of source.records(describe.name, includeDeleted))
      if (matches(record)) matched.push(record)
    if (order) matched.sort(order)
  }
  if (offset > 0 || query.limit !== undefined) {
    matched = matched.slice(offset, query.limit === undefined ? undefined : offset + query.limit)
  }
  if (isCount) return { totalSize: matched.length, records: [] }
  const records = matched.map((record) => {
    const out: SObjectRecord = { attributes: attributes(describe.name, record.Id, version) }
    for (const project of projection) project(record, out)
    return out
  })
  return { totalSize: records.length, records }
}

/**
 * The records a query reads through the source's index on Id, when its WHERE clause bounds the Id
 * ({@link idRangeOf}) or it is ordered by Id alone with a LIMIT; `ordered` when they come in the
 * query's order. `undefined` when the source reads them all.
 */
function idIndexed(
  query: Query,
  source: SoqlDataSource,
  objectName: string,
  includeDeleted: boolean,
  limited: boolean,
): { records: Iterable<SObjectRecord>; ordered: boolean } | undefined {
  if (!source.recordsInIdOrder) return undefined
  const range = idRangeOf(query.where)
  const clauses = query.orderBy ? [query.orderBy].flat() : []
  const only = clauses.length === 1 ? (clauses[0] as { field?: string; order?: string }) : undefined
  const byId = only?.field?.toLowerCase() === 'id'
  if (!range && !(byId && limited)) return undefined
  const descending = byId && only?.order?.toUpperCase() === 'DESC'
  const records = source.recordsInIdOrder(objectName, includeDeleted, range ?? {}, descending)
  return records && { records, ordered: byId || clauses.length === 0 }
}

type Projector = (record: SObjectRecord, out: SObjectRecord) => void

function projector(
  field: NonNullable<Query['fields']>[number],
  describe: SObjectDescribe,
  source: SoqlDataSource,
  includeDeleted: boolean,
  version: string,
): Projector {
  if (field.type === 'Field') {
    const path = resolveFieldPath(source, describe, field.field)
    const name = path.field.name
    return (record, out) => {
      out[name] = record[name] ?? null
    }
  }
  if (field.type === 'FieldRelationship') {
    return parentProjector(
      resolveFieldPath(
        source,
        describe,
        field.rawValue ?? [...field.relationships, field.field].join('.'),
      ),
      source,
      version,
    )
  }
  if (field.type === 'FieldSubquery') return childProjector(field, describe, source, includeDeleted)
  throw soqlError('MALFORMED_QUERY', 'unsupported field in SELECT')
}

/** Nests `Owner.Name` as `{ Owner: { attributes, Name } }`, or `Owner: null` for an empty lookup. */
function parentProjector(path: FieldPath, source: SoqlDataSource, version: string): Projector {
  return (record, out) => {
    let target: SObjectRecord = out
    let current: SObjectRecord | undefined = record
    for (const hop of path.hops) {
      const id: unknown = current?.[hop.referenceField]
      const parent: ReturnType<SoqlDataSource['recordById']> =
        typeof id === 'string' ? source.recordById(id) : undefined
      if (!parent) {
        if (!(hop.relationship in target)) target[hop.relationship] = null
        return
      }
      const existing = target[hop.relationship] as SObjectRecord | null | undefined
      const nested: SObjectRecord = existing ?? {
        attributes: attributes(parent.objectName, parent.record.Id, version),
      }
      target[hop.relationship] = nested
      target = nested
      current = parent.record
    }
    target[path.field.name] = current?.[path.field.name] ?? null
  }
}

function childProjector(
  field: FieldSubquery,
  describe: SObjectDescribe,
  source: SoqlDataSource,
  includeDeleted: boolean,
): Projector {
  const name = field.subquery.relationshipName
  const relationship = describe.childRelationships.find(
    (r) => r.relationshipName?.toLowerCase() === name.toLowerCase(),
  )
  if (!relationship?.relationshipName) {
    throw soqlError(
      'INVALID_TYPE',
      `Didn't understand relationship '${name}' in FROM part of query call.`,
    )
  }
  const key = relationship.field
  const relationshipName = relationship.relationshipName
  const subquery: Query = { ...field.subquery, sObject: relationship.childSObject }
  return (record, out) => {
    const id = record.Id
    const result = runQuery(subquery, source, includeDeleted, (child) => child[key] === id)
    out[relationshipName] =
      result.records.length === 0
        ? null
        : { totalSize: result.totalSize, done: true, records: result.records }
  }
}

function comparator(
  orderBy: OrderByClause | OrderByClause[],
  describe: SObjectDescribe,
  source: SoqlDataSource,
) {
  const keys = (Array.isArray(orderBy) ? orderBy : [orderBy]).map((clause) => {
    const fieldName = (clause as { field?: string }).field
    if (!fieldName) throw soqlError('MALFORMED_QUERY', 'only fields are supported in ORDER BY')
    const path = resolveFieldPath(source, describe, fieldName)
    const descending = clause.order?.toUpperCase() === 'DESC'
    const nullsLast = clause.nulls ? clause.nulls.toUpperCase() === 'LAST' : descending
    return { path, descending, nullsLast }
  })
  return (a: SObjectRecord, b: SObjectRecord): number => {
    for (const { path, descending, nullsLast } of keys) {
      const va = path.read(a)
      const vb = path.read(b)
      const aNull = va === null || va === undefined
      const bNull = vb === null || vb === undefined
      if (aNull || bNull) {
        if (aNull && bNull) continue
        return aNull === nullsLast ? 1 : -1
      }
      const order = compareValues(va, vb, path.field)
      if (order !== 0) return descending ? -order : order
    }
    return 0
  }
}

function attributes(type: string, id: unknown, version: string): { type: string; url: string } {
  return { type, url: `/services/data/v${version}/sobjects/${type}/${String(id)}` }
}

/**
 * The first `k` records of `records` that `matches`, in `order`: a sorted buffer of at most `k`,
 * where a record after the buffer's last is dropped with one comparison (records mostly arrive
 * in order of their stamps, so almost all are).
 */
function firstInOrder(
  records: Iterable<SObjectRecord>,
  matches: (record: SObjectRecord) => boolean,
  order: (a: SObjectRecord, b: SObjectRecord) => number,
  k: number,
): SObjectRecord[] {
  const kept: SObjectRecord[] = []
  if (k <= 0) return kept
  for (const record of records) {
    if (kept.length === k && order(record, kept[k - 1] as SObjectRecord) >= 0) continue
    if (!matches(record)) continue
    let low = 0
    let high = kept.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (order(kept[mid] as SObjectRecord, record) <= 0) low = mid + 1
      else high = mid
    }
    kept.splice(low, 0, record)
    if (kept.length > k) kept.pop()
  }
  return kept
}
