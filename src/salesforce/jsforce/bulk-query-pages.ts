import type { Connection } from 'jsforce'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { JsforceModules } from '../load-http-stack.js'
import { continuingPage } from '../page-slice.js'
import type { QueryOptions } from '../salesforce-adapter.js'
import type { FieldDescribe, SObjectDescribe, SObjectRecord } from '../salesforce-types.js'
import { parseCsvRows } from './parse-csv.js'

interface JobInfo {
  id: string
  state: string
  errorMessage?: string
}

/**
 * Runs a Bulk 2.0 query job and yields its records 1 000 at a time, paging the results itself with
 * `maxRecords` and the `Sforce-Locator` header (jsforce's own multi-page bulk query crashes,
 * salesforce-wire.md §0.3). The next page is fetched while the reader works through the current
 * one: memory holds at most two pages of text, and the records of one slice. CSV values are
 * converted to the types REST queries return, with the object's describe (datetimes keep the
 * CSV's `…Z`, the instant REST writes `…+0000`). `HttpApi` is jsforce's, loaded lazily. @internal
 */
export async function* bulkQueryPages(
  conn: Connection,
  HttpApi: JsforceModules['HttpApi'],
  soql: string,
  describe: (objectName: string) => Promise<SObjectDescribe>,
  objectName: string,
  options: QueryOptions & { includeDeleted?: boolean },
): AsyncGenerator<SObjectRecord[]> {
  const base = `/services/data/v${conn.version}/jobs/query`
  const job = await conn.request<JobInfo>({
    method: 'POST',
    url: base,
    body: JSON.stringify({ operation: options.includeDeleted ? 'queryAll' : 'query', query: soql }),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  })
  for (let polls = 0; ; polls += 1) {
    options.signal?.throwIfAborted()
    // The first poll is charged with the query; the meter counts (or refuses) each one after it.
    if (polls > 0) await options.beforeExtraCall?.()
    const info = await conn.request<JobInfo>({ method: 'GET', url: `${base}/${job.id}` })
    if (info.state === 'JobComplete') break
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new SalesforceApiError(
        `Bulk query job ${job.id} ${info.state.toLowerCase()}: ${info.errorMessage ?? ''}`,
        { errorCode: 'BULK_JOB_FAILED' },
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  const root = await describe(objectName)
  const page = (locator: string | undefined) =>
    resultPage(conn, HttpApi, `${base}/${job.id}/results`, options.pageSize ?? 50_000, locator)
  let convert: ((cells: readonly string[]) => SObjectRecord) | undefined
  let next: Promise<ResultPage> | undefined = page(undefined)
  while (next) {
    options.signal?.throwIfAborted()
    const { csv, locator }: ResultPage = await next
    // The next page is on its way while this one is parsed and its records are applied.
    next = locator && locator !== 'null' ? page(locator) : undefined
    next?.catch(() => {}) // awaited on the next turn; not unhandled if the reader stops first
    // One typed pass per row, a slice of rows at a time: only the slice's records are made
    // before the reader takes them, so a page's records are not all alive at once.
    let header: string[] | undefined
    let offset = parseCsvRows(csv, 0, 1, (cells) => {
      header = [...cells]
    })
    if (!header) continue
    convert ??= await rowConverter(header, root, describe)
    const toRecord = convert
    let first = true
    while (offset < csv.length) {
      const records: SObjectRecord[] = []
      offset = parseCsvRows(csv, offset, RECORDS_PER_SLICE, (cells) => {
        records.push(toRecord(cells))
      })
      if (records.length === 0) continue
      // Slices after a page's first cost no API call (the meter counts pages, page-slice.ts).
      yield first ? records : continuingPage(records)
      first = false
    }
  }
}

/** Records of a result page converted and handed to the reader at a time. */
const RECORDS_PER_SLICE = 1_000

interface ResultPage {
  readonly csv: string
  /** `Sforce-Locator` of the response: the next page's, or `null` on the last one. */
  readonly locator: string | undefined
}

/** One page of a query job's results, as CSV text, and the locator of the next page. */
async function resultPage(
  conn: Connection,
  HttpApi: JsforceModules['HttpApi'],
  url: string,
  maxRecords: number,
  locator: string | undefined,
): Promise<ResultPage> {
  let next: string | undefined
  const api = new HttpApi(conn, { responseType: 'text/plain' })
  api.on('response', (response: { headers: Record<string, string> }) => {
    next = response.headers['sforce-locator']
  })
  const query = new URLSearchParams({ maxRecords: String(maxRecords) })
  if (locator) query.set('locator', locator)
  const csv = await api.request<string>({
    method: 'GET',
    url: `${conn.instanceUrl}${url}?${query.toString()}`,
    headers: { Accept: 'text/csv' },
  })
  return { csv, locator: next }
}

/**
 * A converter of CSV rows with `header` into records: each column resolved once to its field (a
 * `Parent.Field` column through the parent's describe) and its path in the record; then every
 * row is one synchronous pass. Empty cells → null; `Parent.Field` columns → nested objects.
 */
async function rowConverter(
  header: readonly string[],
  root: SObjectDescribe,
  describe: (name: string) => Promise<SObjectDescribe>,
): Promise<(cells: readonly string[]) => SObjectRecord> {
  const columns = await Promise.all(
    header.map(async (column) => {
      const parts = column.split('.')
      let current: SObjectDescribe | undefined = root
      for (const part of parts.slice(0, -1)) {
        const reference: FieldDescribe | undefined = current?.fields.find(
          (f) => f.relationshipName?.toLowerCase() === part.toLowerCase(),
        )
        current = reference?.referenceTo[0]
          ? await describe(reference.referenceTo[0]).catch(() => undefined)
          : undefined
      }
      const name = parts.at(-1) ?? ''
      const field = current?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
      return { path: parts.slice(0, -1), name, field }
    }),
  )
  return (cells) => {
    const record: SObjectRecord = {}
    for (let i = 0; i < columns.length; i += 1) {
      const { path, name, field } = columns[i] as (typeof columns)[number]
      let target: Record<string, unknown> = record
      for (const part of path) {
        target[part] ??= {}
        target = target[part] as Record<string, unknown>
      }
      target[name] = typed(cells[i] ?? '', field)
    }
    return record
  }
}

/**
 * A CSV cell as the value a REST query gives. A cell that is not what its field's type says (text
 * in a number field) stays the text it is, for the pull to refuse, never NaN or `false`.
 */
function typed(text: string, field: FieldDescribe | undefined): unknown {
  if (text === '') return null
  switch (field?.type) {
    case 'boolean':
      return text === 'true' || text === 'false' ? text === 'true' : text
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const number = Number(text)
      return text.trim() !== '' && Number.isFinite(number) ? number : text
    }
    case 'datetime':
      // Kept as the CSV writes it, `…T12:34:56.000Z` (the instant REST writes `…+0000`): one
      // fixed width per job, as newestOf() compares them; milliseconds added where missing.
      return text.length === 20 && text.endsWith('Z') ? `${text.slice(0, 19)}.000Z` : text
    default:
      return text
  }
}
