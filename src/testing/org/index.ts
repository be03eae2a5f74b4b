export { ApiUsageCounter } from './api-usage-counter.js'
export { type ChangeEvent, type ChangeEventListener, ChangeEventLog } from './change-event-log.js'
export { type ChangeType, cdcChannel } from './change-event-payloads.js'
export type { FormulaFunction } from './computed-fields.js'
export {
  FaultInjector,
  type RecordFaultRule,
  type RequestFault,
  type RequestFaultRule,
} from './fault-injector.js'
export { InMemoryOrg, type InMemoryOrgOptions } from './in-memory-org.js'
export type { FieldDefinition, SObjectDefinition } from './object-definition.js'
export { OrgClock } from './org-clock.js'
export type { OrgWriteOptions } from './org-writer.js'
export { idChecksum, isSalesforceId, to18 } from './salesforce-id.js'
export { SessionStore } from './session-store.js'
export { STANDARD_OBJECTS } from './standard-objects.js'
