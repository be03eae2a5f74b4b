import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { Mapping } from '../mappings/mapping.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'

/** The name of a mapping's PushTopic: `pgforce_<object>`, at most 25 characters. */
export function pushTopicName(mapping: Pick<Mapping, 'object'>): string {
  return `pgforce_${mapping.object}`.slice(0, 25)
}

/**
 * Creates or updates the PushTopic of a mapping ({@link pushTopicName}) so it
 * notifies every create, update, delete and undelete of the object's records (within the
 * mapping's row filter). Returns the topic name.
 */
export async function ensurePushTopic(
  salesforce: SalesforceAdapter,
  mapping: Mapping,
): Promise<string> {
  const name = pushTopicName(mapping)
  const query = `SELECT Id FROM ${mapping.object}${mapping.where ? ` WHERE ${mapping.where}` : ''}`
  const fields = {
    Query: query,
    ApiVersion: 60,
    IsActive: true,
    NotifyForFields: 'All',
    NotifyForOperationCreate: true,
    NotifyForOperationUpdate: true,
    NotifyForOperationDelete: true,
    NotifyForOperationUndelete: true,
  }
  const existing: { Id?: string; Query?: string; IsActive?: boolean }[] = []
  for await (const topic of salesforce.query(
    `SELECT Id, Query, IsActive FROM PushTopic WHERE Name = '${name}'`,
  ))
    existing.push(topic)
  const topic = existing[0]
  const results = !topic
    ? await salesforce.create('PushTopic', [
        { Name: name, Description: `pgforce: changes of ${mapping.object}`, ...fields },
      ])
    : topic.Query !== query || topic.IsActive === false
      ? await salesforce.update('PushTopic', [{ Id: topic.Id, ...fields }])
      : []
  const failed = results.find((r) => !r.success)
  if (failed) {
    const error = failed.errors[0]
    throw new SalesforceApiError(
      `Could not create PushTopic ${name}: ${error?.message ?? 'unknown error'}`,
      {
        errorCode: error?.statusCode ?? 'UNKNOWN_EXCEPTION',
      },
    )
  }
  return name
}
