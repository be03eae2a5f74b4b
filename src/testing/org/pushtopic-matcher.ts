import { parseQuery } from '@jetstreamapp/soql-parser-js'
import type { SObjectRecord } from '../../salesforce/salesforce-types.js'
import { compileWhere } from '../soql/compile-where.js'
import type { SoqlDataSource } from '../soql/soql-data-source.js'

/** An active PushTopic, compiled. */
export interface CompiledTopic {
  readonly name: string
  readonly objectName: string
  /** Fields of the topic's SELECT, sent in `sobject`. */
  readonly fields: readonly string[]
  readonly notify: {
    readonly CREATE: boolean
    readonly UPDATE: boolean
    readonly DELETE: boolean
    readonly UNDELETE: boolean
  }
  matches(record: SObjectRecord): boolean
}

// Records are replaced, never mutated, on update: a new version compiles anew.
const cache = new WeakMap<SObjectRecord, CompiledTopic | null>()

/**
 * Compiles a PushTopic record (its `Query` and `NotifyForOperation*` flags) into a matcher, or
 * `undefined` when the query is not one this org can evaluate. Cached per record version.
 */
export function compileTopic(
  topic: SObjectRecord,
  source: SoqlDataSource,
): CompiledTopic | undefined {
  const cached = cache.get(topic)
  if (cached !== undefined) return cached ?? undefined
  let compiled: CompiledTopic | undefined
  try {
    const query = parseQuery(String(topic.Query))
    const describe = source.describe(query.sObject ?? '')
    if (describe) {
      const where = compileWhere(query.where, describe, source)
      const fields = (query.fields ?? []).flatMap((f) =>
        f.type === 'Field'
          ? [
              describe.fields.find((d) => d.name.toLowerCase() === f.field.toLowerCase())?.name ??
                f.field,
            ]
          : [],
      )
      compiled = {
        name: String(topic.Name),
        objectName: describe.name,
        fields,
        notify: {
          CREATE: topic.NotifyForOperationCreate !== false,
          UPDATE: topic.NotifyForOperationUpdate !== false,
          DELETE: topic.NotifyForOperationDelete !== false,
          UNDELETE: topic.NotifyForOperationUndelete !== false,
        },
        matches: where,
      }
    }
  } catch {
    compiled = undefined
  }
  cache.set(topic, compiled ?? null)
  return compiled
}
