/**
 * pgforce: two-way sync between a Salesforce org and PostgreSQL, embedded in a Node app.
 * Every public name is exported here by name; nothing runs at import time.
 * @packageDocumentation
 */
export { Connection, type ConnectionEvents } from './connection/connection.js'
export type { ConnectionWarning } from './connection/connection-warning.js'
export {
  type ConnectionOptions,
  createConnection,
  type PostgresPoolOptions,
} from './connection/create-connection.js'
export type { SalesforceOptions } from './connection/resolve-salesforce.js'
export type { ApiBudgetOptions, BudgetLevel } from './engine/api-budget.js'
export type { CallBehaviour, EngineCall, EngineState } from './engine/engine-lifecycle.js'
export { LIFECYCLE } from './engine/engine-lifecycle.js'
export type { Logger, LogMethod } from './engine/engine-logger.js'
export type { EngineStatus, MappingStatus } from './engine/engine-status.js'
export type { ReconcileReport } from './engine/reconcile.js'
export type { SyncEngineOptions } from './engine/resolve-engine-options.js'
export type { StopOptions } from './engine/running-engine.js'
export { SyncEngine, type SyncPassReport } from './engine/sync-engine.js'
export type { PullReport, PushReport, SyncEngineEvents } from './engine/sync-engine-events.js'
export type {
  FieldDifference,
  RecordDifference,
  VerifyOptions,
  VerifyReport,
} from './engine/verify-report.js'
export {
  ApiBudgetExhaustedError,
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
  WriteStrategyError,
} from './errors/index.js'
export type { DriftChange, MappingDrift } from './mappings/column-drift.js'
export type {
  Conflict,
  ConflictEvent,
  ConflictPolicy,
  ConflictResolver,
  ConflictWinner,
} from './mappings/conflict-policy.js'
export { defineMapping, type MappingOptions } from './mappings/define-mapping.js'
export { type ExportMappingsOptions, exportMappings } from './mappings/export-mappings.js'
export type {
  HerokuConnectExport,
  HerokuConnectMapping,
  HerokuConnectMappingConfig,
  PgforceMappingOptions,
  WriteAlgorithm,
} from './mappings/heroku-connect-export.js'
export type {
  ColumnValue,
  DeleteMode,
  MappedField,
  MappedIndex,
  Mapping,
  MappingAccess,
  RowOf,
  SystemColumns,
} from './mappings/mapping.js'
export { SYSTEM_FIELDS } from './mappings/mapping.js'
export {
  type HerokuConnectImport,
  type HerokuConnectNote,
  mappingsFromHerokuConnect,
} from './mappings/mappings-from-heroku-connect.js'
export type { IndexesOption } from './mappings/resolve-indexes.js'
export { SIGNATURE_HEADER, signAlert } from './operations/alert-sender.js'
export type { Diagnosis, DiagnosisCheck, DiagnosisLevel } from './operations/diagnosis.js'
export { EngineMetrics } from './operations/engine-metrics.js'
export {
  HEROKU_CONNECT_STATES,
  type MappingState,
} from './operations/mapping-state.js'
export {
  observeRuns,
  type RunObservation,
  type StreamBatchObservation,
} from './operations/observe-runs.js'
export type { AlertOptions, OperationsOptions } from './operations/operations-options.js'
export {
  type PullTraceContext,
  type PushTraceContext,
  type StreamBatchTraceContext,
  TRACE_CHANNEL_NAMES,
} from './operations/trace-channels.js'
export type { WarningAlert } from './operations/warning-alert.js'
export type { InstallReport } from './postgres/install/schema-installer.js'
export type {
  NotificationLike,
  PgClientLike,
  PgListenClientLike,
  PgPoolLike,
  QueryConfigLike,
  QueryResultLike,
} from './postgres/pg-pool-like.js'
export type { ChangeEvent } from './runs/change-event.js'
export type { SalesforceSession } from './salesforce/auth/salesforce-session.js'
export type { ProxyOption } from './salesforce/http/proxy-for.js'
export { JsforceAdapter } from './salesforce/jsforce/jsforce-adapter.js'
export type {
  ClientCredentialsAuth,
  JsforceAdapterCommonOptions,
  JsforceAdapterOptions,
  JwtBearerAuth,
  PasswordAuth,
  TokenAuth,
  TokenProviderAuth,
} from './salesforce/jsforce/jsforce-adapter-options.js'
export { toSalesforceApiError } from './salesforce/jsforce/jsforce-error.js'
export { continuesPage, continuingPage } from './salesforce/page-slice.js'
export type {
  BulkIngestOperation,
  BulkIngestRequest,
  BulkIngestResult,
  DescribeOptions,
  QueryOptions,
  SalesforceAdapter,
  StreamingMessage,
  StreamingSession,
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
export { BaseChangeSource } from './sources/base-change-source.js'
export type {
  ChangeReason,
  ChangeSignal,
  ChangeSource,
  ChangeSourceContext,
  SourceConnectionEvent,
  SyncDirection,
} from './sources/change-source.js'
export { ensurePushTopic } from './sources/ensure-push-topic.js'
export {
  PostgresNotifySource,
  type PostgresNotifySourceOptions,
} from './sources/postgres-notify-source.js'
export {
  PostgresPollingSource,
  type PostgresPollingSourceOptions,
} from './sources/postgres-polling-source.js'
export { SalesforcePollingSource } from './sources/salesforce-polling-source.js'
export {
  SalesforcePubSubSource,
  type SalesforcePubSubSourceOptions,
} from './sources/salesforce-pubsub-source.js'
export {
  SalesforceStreamingSource,
  type SalesforceStreamingSourceOptions,
} from './sources/salesforce-streaming-source.js'
export type { FailedEntryFilter, FailedWrite } from './store/failed-entries.js'
export type { PauseState } from './store/pause-switch.js'
export type { PullFailureFilter } from './store/pull-failures.js'
export type { Warning, WarningKind } from './store/warning-store.js'
export type { WriteError, WriteErrorFilter } from './store/write-errors.js'
export { BaseWriteStrategy } from './strategies/base-write-strategy.js'
export {
  BulkWriteStrategy,
  type BulkWriteStrategyOptions,
} from './strategies/bulk-write-strategy.js'
export { type FoldedChange, foldRecordChanges } from './strategies/fold-record-changes.js'
export { MergedWriteStrategy } from './strategies/merged-write-strategy.js'
export {
  OrderedWriteStrategy,
  type OrderedWriteStrategyOptions,
} from './strategies/ordered-write-strategy.js'
export {
  COLLECTION_LIMIT,
  sendOperation,
  toEntryResult,
  type WriteOperation,
} from './strategies/send-operation.js'
export type {
  ChangeAction,
  ChangeEntry,
  EntryOutcome,
  EntryResult,
  WriteContext,
  WriteStrategy,
} from './strategies/write-strategy.js'
export { VERSION } from './version.js'
