import type { MappingStatus } from '../engine/engine-status.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ApiUsage, SObjectDescribe } from '../salesforce/salesforce-types.js'
import type { MappingActivity } from '../store/mapping-activity.js'
import type { Warning } from '../store/warning-store.js'

/** How a check came out, as `heroku connect:diagnose` grades it. */
export type DiagnosisLevel = 'GREEN' | 'YELLOW' | 'RED'

/** One check of `engine.diagnose()` / `pgforce diagnose`. */
export interface DiagnosisCheck {
  /** What was checked: `api-version`, `required-fields`, `backlog`, … (the monitoring guide lists them). */
  readonly check: string
  /** The mapping (object) checked, or `undefined` for the connection. */
  readonly mapping: string | undefined
  readonly level: DiagnosisLevel
  /** Why: what was found, and what to do when it is not GREEN. */
  readonly reason: string
}

/** What `engine.diagnose()` found: the worst level, and every check. */
export interface Diagnosis {
  readonly level: DiagnosisLevel
  readonly checks: readonly DiagnosisCheck[]
}

/** One mapping's facts for the diagnosis. @internal */
export interface MappingFacts {
  readonly plan: MappingSchema
  readonly describe: SObjectDescribe | undefined
  readonly status: MappingStatus
  readonly activity: MappingActivity | undefined
  /** The mapping's daily API budget (`apiBudget.perMapping`), if any. */
  readonly budget: number | undefined
}

/** Everything the checks look at, gathered by the engine. @internal */
export interface DiagnosisFacts {
  readonly apiVersion: string | undefined
  /** The adapter's login and whether it renews its session (unknown for an app's own adapter). */
  readonly auth: { readonly kind: string; readonly renewable: boolean } | undefined
  /** Why Salesforce could not be reached or described, if it could not. */
  readonly salesforceError: string | undefined
  /** Why the database is not ready (`installProblem()`), if it is not. */
  readonly installProblem: string | undefined
  readonly paused: boolean
  readonly mappings: readonly MappingFacts[]
  readonly warnings: readonly Warning[]
  /** `apiBudget.dailyCalls`. */
  readonly dailyBudget: number | undefined
  /** Calls all mappings made today (UTC). */
  readonly callsToday: number
  readonly orgUsage: ApiUsage | undefined
  readonly backlogWarningMs: number
  /** Whether Salesforce changes stream (a streaming source is configured). */
  readonly streaming: boolean
}

const worst = (levels: readonly DiagnosisLevel[]): DiagnosisLevel =>
  levels.includes('RED') ? 'RED' : levels.includes('YELLOW') ? 'YELLOW' : 'GREEN'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** Long text areas past this many characters slow every query that reads them. */
const LARGE_TEXT_AREA = 4000

/**
 * The API calls a mapping makes per day, estimated from its poll interval and the last day's
 * changes: a query per poll, a query call per 2 000 records Salesforce changed, a write call per
 * 200 changes captured in Postgres. @internal
 */
export function estimatedDailyCalls(facts: MappingFacts): number {
  const polls = Math.ceil(86_400_000 / facts.plan.mapping.pollIntervalMs)
  const pulls = Math.ceil((facts.activity?.pulled ?? 0) / 2000)
  const writes =
    facts.plan.mapping.access === 'read_write'
      ? Math.ceil((facts.activity?.captured ?? 0) / 200)
      : 0
  return polls + pulls + writes
}

/**
 * Grades the facts: Heroku Connect's checks (API version, number of mappings and fields,
 * required fields missing from a writable mapping, large text areas, binary fields, the upsert
 * field) and pgforce's own (install, auth, pause, trigger-log backlog and age, failed entries,
 * stream state, schema drift, API calls per day and today's budget, open warnings).
 * @internal
 */
export function diagnoseFacts(facts: DiagnosisFacts): Diagnosis {
  const checks: DiagnosisCheck[] = []
  const add = (check: string, mapping: string | undefined, level: DiagnosisLevel, reason: string) =>
    checks.push({ check, mapping, level, reason })

  const version = Number(facts.apiVersion)
  if (facts.apiVersion === undefined) add('api-version', undefined, 'GREEN', 'the adapter chooses')
  else if (!(version >= 31))
    add('api-version', undefined, 'RED', `API ${facts.apiVersion} is retired; use 55.0 or newer`)
  else if (version < 55)
    add('api-version', undefined, 'YELLOW', `API ${facts.apiVersion} is old; use 55.0 or newer`)
  else add('api-version', undefined, 'GREEN', `API ${facts.apiVersion}`)

  if (facts.salesforceError)
    add('auth', undefined, 'RED', `Salesforce could not be reached: ${facts.salesforceError}`)
  else if (facts.auth && !facts.auth.renewable)
    add(
      'auth',
      undefined,
      'YELLOW',
      `${facts.auth.kind} login that cannot renew its session: sync stops when it expires (give a refresh token, a password or client credentials)`,
    )
  else
    add(
      'auth',
      undefined,
      'GREEN',
      facts.auth
        ? `${facts.auth.kind} login; the session is renewed when it expires`
        : "the app's own adapter answered",
    )

  add(
    'install',
    undefined,
    facts.installProblem ? 'RED' : 'GREEN',
    facts.installProblem ?? 'tables and triggers are installed at this version',
  )
  add(
    'paused',
    undefined,
    facts.paused ? 'YELLOW' : 'GREEN',
    facts.paused ? 'the pause switch is on: no worker syncs (pgforce resume)' : 'not paused',
  )
  const n = facts.mappings.length
  add(
    'mappings',
    undefined,
    n > 100 ? 'RED' : n > 25 ? 'YELLOW' : 'GREEN',
    `${plural(n, 'mapping')}${n > 25 ? ': more mappings share the same API calls and workers; consider fewer' : ''}`,
  )

  for (const m of facts.mappings) mappingChecks(m, facts, add)

  const estimate = facts.mappings.reduce((sum, m) => sum + estimatedDailyCalls(m), 0)
  const limit = facts.dailyBudget ?? facts.orgUsage?.max
  const of = facts.dailyBudget !== undefined ? 'the daily budget' : "the org's daily limit"
  add(
    'api-calls',
    undefined,
    limit === undefined
      ? 'GREEN'
      : estimate > limit
        ? 'RED'
        : estimate > 0.8 * limit
          ? 'YELLOW'
          : 'GREEN',
    `about ${estimate} calls a day estimated${limit === undefined ? '' : ` of ${limit} (${of})`}; ${facts.callsToday} made today`,
  )
  if (facts.dailyBudget !== undefined)
    add(
      'api-budget',
      undefined,
      facts.callsToday >= facts.dailyBudget
        ? 'RED'
        : facts.callsToday >= 0.8 * facts.dailyBudget
          ? 'YELLOW'
          : 'GREEN',
      facts.callsToday >= facts.dailyBudget
        ? `daily budget spent (${facts.callsToday} of ${facts.dailyBudget}): calls wait for the next UTC day`
        : `${facts.callsToday} of ${facts.dailyBudget} calls used today`,
    )
  for (const w of facts.warnings)
    add(
      `warning:${w.kind}`,
      w.mapping || undefined,
      w.level,
      `${w.message} (since ${w.startedAt.toISOString()})`,
    )
  return { level: worst(checks.map((c) => c.level)), checks }
}

function mappingChecks(
  m: MappingFacts,
  facts: DiagnosisFacts,
  add: (check: string, mapping: string, level: DiagnosisLevel, reason: string) => void,
): void {
  const object = m.plan.object
  const mapped = new Set(m.plan.columns.map((c) => c.field.toLowerCase()))
  const fields = m.plan.columns.filter((c) => !c.system).length
  add(
    'fields',
    object,
    fields > 100 ? 'YELLOW' : 'GREEN',
    `${plural(fields, 'field')}${fields > 100 ? ': every pull reads them all; map only what the app uses' : ''}`,
  )
  const describe = m.describe
  if (m.plan.mapping.access === 'read_write' && describe) {
    const required = describe.fields
      .filter(
        (f) =>
          f.createable && !f.nillable && !f.defaultedOnCreate && !mapped.has(f.name.toLowerCase()),
      )
      .map((f) => f.name)
    add(
      'required-fields',
      object,
      required.length > 0 ? 'RED' : 'GREEN',
      required.length > 0
        ? `required by Salesforce but not mapped: ${required.join(', ')} (inserts from Postgres fail without them)`
        : 'every field Salesforce requires on insert is mapped',
    )
  }
  const byName = new Map(describe?.fields.map((f) => [f.name.toLowerCase(), f]) ?? [])
  const large = m.plan.columns.filter(
    (c) =>
      c.sfType === 'textarea' && (byName.get(c.field.toLowerCase())?.length ?? 0) > LARGE_TEXT_AREA,
  )
  add(
    'large-text-areas',
    object,
    large.length > 0 ? 'YELLOW' : 'GREEN',
    large.length > 0
      ? `long text areas slow every pull: ${large.map((c) => c.field).join(', ')}`
      : 'no long text areas',
  )
  const binary = m.plan.columns.filter((c) => c.sfType === 'base64')
  add(
    'binary-fields',
    object,
    binary.length > 0 ? 'YELLOW' : 'GREEN',
    binary.length > 0
      ? `binary fields are large and slow: ${binary.map((c) => c.field).join(', ')}`
      : 'no binary fields',
  )
  if (m.plan.mapping.access === 'read_write') {
    const id = m.plan.externalId
    const field = id ? byName.get(id.toLowerCase()) : undefined
    add(
      'upsert-field',
      object,
      id && field && !(field.externalId && field.idLookup) ? 'RED' : 'GREEN',
      !id
        ? 'no upsert field: inserts create records (rows are matched by sfid)'
        : field && !(field.externalId && field.idLookup)
          ? `${id} is not an External ID field in Salesforce`
          : `upserts match records by ${id}`,
    )
  }
  const drift = [
    ...m.status.missingFields.map((f) => `${f} no longer exists`),
    ...m.status.typeMismatches.map(
      (t) => `${t.field} is ${t.salesforceType} now (column ${t.columnType})`,
    ),
  ]
  add(
    'schema',
    object,
    drift.length > 0 ? 'YELLOW' : 'GREEN',
    drift.length > 0 ? `Salesforce changed: ${drift.join('; ')}` : 'matches Salesforce',
  )
  if (m.plan.mapping.access === 'read_write') {
    const age = m.status.pushLagMs
    const limit = facts.backlogWarningMs
    add(
      'backlog',
      object,
      age >= 4 * limit ? 'RED' : age >= limit ? 'YELLOW' : 'GREEN',
      m.status.pending === 0
        ? 'no unsent changes'
        : `${plural(m.status.pending, 'unsent change')}, the oldest ${Math.round(age / 1000)} s old${age >= limit ? ': is a worker running and not paused? (pgforce status)' : ''}`,
    )
  }
  const failed = m.status.failed
  const refused = m.status.pullFailed
  add(
    'failed-entries',
    object,
    failed + refused > 0 ? 'YELLOW' : 'GREEN',
    failed + refused > 0
      ? `${plural(failed, 'write')} Salesforce rejected, ${plural(refused, 'record')} Postgres refused (pgforce errors; pgforce retry-failed)`
      : 'no failed writes or refused records',
  )
  if (facts.streaming) {
    const lost = facts.warnings.find(
      (w) => w.kind === 'stream-lost' && w.mapping.toLowerCase().includes(object.toLowerCase()),
    )
    const last = m.activity?.lastStreamEventAt
    add(
      'stream',
      object,
      lost ? 'YELLOW' : 'GREEN',
      lost
        ? `${lost.message} (since ${lost.startedAt.toISOString()})`
        : last
          ? `change events arrive (last stored ${last.toISOString()})`
          : 'no change event received yet; polls cover every change',
    )
  }
  const estimate = estimatedDailyCalls(m)
  const today = m.status.apiCallsToday
  const budget = m.budget
  add(
    'api-calls',
    object,
    budget === undefined
      ? 'GREEN'
      : today >= budget || estimate > budget
        ? 'RED'
        : estimate > 0.8 * budget || today >= 0.8 * budget
          ? 'YELLOW'
          : 'GREEN',
    `about ${estimate} calls a day (a poll every ${Math.round(m.plan.mapping.pollIntervalMs / 1000)} s, ${plural(m.activity?.pulled ?? 0, 'record')} changed in Salesforce and ${m.activity?.captured ?? 0} in Postgres in the last day); ${today} made today${budget === undefined ? '' : ` of a budget of ${budget}${today >= budget ? ': spent, calls wait for the next UTC day' : ''}`}`,
  )
}
