/**
 * pgforce: two-way sync between a Salesforce org and PostgreSQL, embedded in a Node app.
 * Every public name is exported here by name; nothing runs at import time.
 * @packageDocumentation
 */
export {
  ConfigError,
  type ConfigProblem,
  DEFAULT_RETRY_TABLE,
  EngineStateError,
  isRetryable,
  PgforceError,
  type PgforceErrorCode,
  type PgforceErrorOptions,
  PostgresError,
  type PostgresErrorDetails,
  RetryPolicy,
  type RetryRule,
  type RetryTable,
  SalesforceApiError,
  type SalesforceApiErrorDetails,
} from './errors/index.js'
export type {
  BulkIngestOperation,
  BulkIngestRequest,
  BulkIngestResult,
  QueryOptions,
  SalesforceAdapter,
  StreamingMessage,
  StreamSubscription,
  SubscribeRequest,
  WriteOptions,
} from './salesforce/salesforce-adapter.js'
export type {
  ApiUsage,
  ChildRelationship,
  DeletedResult,
  DescribeGlobalResult,
  FieldDescribe,
  FieldType,
  OrgLimit,
  OrgLimits,
  PicklistValue,
  RecordError,
  SaveResult,
  SObjectDescribe,
  SObjectRecord,
  SObjectSummary,
  UpdatedResult,
} from './salesforce/salesforce-types.js'
export { VERSION } from './version.js'
