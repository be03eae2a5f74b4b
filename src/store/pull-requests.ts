import { derivedName } from '../postgres/install/derived-name.js'
import type { Queryable } from './queryable.js'

/**
 * The channel on which an engine asks whichever engine leads a mapping's pull to pull it now
 * (`<schema>.pgforce_pull`, payload: the mapping's object). The leader hears it on its
 * pull-leadership session (`PullLeadership`). @internal
 */
export function pullRequestChannel(schema: string): string {
  return derivedName('', schema, '.pgforce_pull')
}

/**
 * Asks the engine that leads `object`'s pull, on any worker, to pull it now: an engine that is
 * not the leader reads back the values Salesforce computed for records it pushed this way
 * (docs/guides/mappings.md, "Values Salesforce computes"). A `NOTIFY`: a hint, lost when no engine
 * leads the pull at that moment (the next poll brings the values then). @internal
 */
export async function requestPull(db: Queryable, schema: string, object: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [pullRequestChannel(schema), object])
}
