import type { Mapping } from '../mappings/mapping.js'
import type { ReceivedEvent } from '../salesforce/pubsub/pubsub-subscription.js'
import { changeEventHint } from './change-event-hint.js'
import type { ChangeReason } from './change-source.js'

/** The pull one object of a batch calls for. @internal */
export interface PlannedPull {
  /** The object's API name, as its mapping spells it. */
  readonly object: string
  /** `overflow` outranks `gap`, `gap` outranks `stream`. */
  readonly reason: Extract<ChangeReason, 'stream' | 'gap' | 'overflow'>
  readonly recordIds: readonly string[]
  /** The tables of the object's mappings: their replay id is written by the pull. */
  readonly tables: readonly string[]
}

/** What a batch of Pub/Sub events asks for. @internal */
export interface PubSubBatchPlan {
  /** One pull per object that has something to read. */
  readonly pulls: readonly PlannedPull[]
  /**
   * The covered tables no pull of this batch will write the replay id for (no event of theirs,
   * only pgforce's own changes, or only unmapped fields): their replay id is stored directly.
   */
  readonly idleTables: readonly string[]
}

/** What {@link planPubSubBatch} reads besides the events. @internal */
export interface PubSubBatchContext {
  /** The mappings the subscription covers (one for a per-object topic; several for a channel). */
  readonly mappings: readonly Mapping[]
  /** `client=<originClient>`: events of pgforce's own writes ask for no pull. */
  readonly ownOrigin: string
  /** Whether an update event touched a field of the mapping (`ignoreUnmappedFieldChanges`). */
  matters(mapping: Mapping, event: ReceivedEvent): boolean
}

/**
 * Routes a batch of change events to the mappings they concern, by the header's `entityName`
 * (an event without one, on a one-object topic, belongs to that object), and merges them into
 * one pull per object. Events of objects no covered mapping has ask for nothing: they only move
 * the replay id (docs/guides/change-sources.md, "One channel for several objects"). @internal
 */
export function planPubSubBatch(
  events: readonly ReceivedEvent[],
  context: PubSubBatchContext,
): PubSubBatchPlan {
  const byObject = new Map<string, Mapping[]>()
  for (const mapping of context.mappings) {
    const key = mapping.object.toLowerCase()
    byObject.set(key, [...(byObject.get(key) ?? []), mapping])
  }
  const only = byObject.size === 1 ? [...byObject.keys()][0] : undefined
  const wanted = new Map<
    string,
    { reason: PlannedPull['reason']; recordIds: Set<string>; mappings: Mapping[] }
  >()
  for (const event of events) {
    const entity = event.header?.entityName?.toLowerCase() || only
    const mappings = entity === undefined ? undefined : byObject.get(entity)
    if (!entity || !mappings) continue
    const hint = event.header && changeEventHint(event.header, context.ownOrigin)
    if (!hint) continue
    if (
      hint.reason === 'stream' &&
      event.header?.changeType === 'UPDATE' &&
      !mappings.some((m) => context.matters(m, event))
    )
      continue
    let entry = wanted.get(entity)
    if (!entry) {
      entry = { reason: hint.reason, recordIds: new Set(), mappings }
      wanted.set(entity, entry)
    } else if (
      hint.reason === 'overflow' ||
      (hint.reason === 'gap' && entry.reason !== 'overflow')
    ) {
      entry.reason = hint.reason
    }
    for (const id of hint.recordIds) entry.recordIds.add(id)
  }
  const pulls = [...wanted.values()].map((entry) => ({
    object: entry.mappings[0]?.object ?? '',
    reason: entry.reason,
    recordIds: [...entry.recordIds],
    tables: entry.mappings.map((m) => m.table),
  }))
  const pulled = new Set(pulls.flatMap((p) => p.tables))
  const idleTables = [...new Set(context.mappings.map((m) => m.table))].filter(
    (t) => !pulled.has(t),
  )
  return { pulls, idleTables }
}
