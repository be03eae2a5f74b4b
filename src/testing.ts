/**
 * pgforce/testing: the test kit for apps that embed pgforce. An in-memory Salesforce org
 * (`InMemoryOrg`), a `SalesforceAdapter` over it for fast tests (`InMemorySalesforceAdapter`), an
 * HTTP emulator real jsforce talks to (`SalesforceEmulator`), and the SOQL engine they share.
 * @packageDocumentation
 */
export {
  DEFAULT_CREDENTIALS,
  type EmulatorCredentials,
  type PubSubFault,
  type PubSubStats,
  type RequestLogEntry,
  SalesforceEmulator,
  type SalesforceEmulatorOptions,
} from './testing/emulator/index.js'
export {
  InMemorySalesforceAdapter,
  type InMemorySalesforceAdapterOptions,
} from './testing/in-memory-salesforce-adapter.js'
export {
  ApiUsageCounter,
  type ChangeEvent,
  type ChangeEventListener,
  ChangeEventLog,
  type ChangeType,
  cdcChannel,
  FaultInjector,
  type FieldDefinition,
  type FormulaFunction,
  InMemoryOrg,
  type InMemoryOrgOptions,
  idChecksum,
  isSalesforceId,
  OrgClock,
  type OrgWriteOptions,
  type RecordFaultRule,
  type RequestFault,
  type RequestFaultRule,
  SessionStore,
  type SObjectDefinition,
  STANDARD_OBJECTS,
  to18,
} from './testing/org/index.js'
export {
  type ExecuteSoqlOptions,
  executeSoql,
  type SoqlResult,
} from './testing/soql/execute-soql.js'
export type { SoqlDataSource } from './testing/soql/soql-data-source.js'
export { VERSION } from './version.js'
