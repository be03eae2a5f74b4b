export { DEFAULT_CREDENTIALS, type EmulatorCredentials } from './emulator-credentials.js'
export type { PubSubFault, PubSubStats } from './pubsub-server.js'
export {
  type RequestLogEntry,
  SalesforceEmulator,
  type SalesforceEmulatorOptions,
} from './salesforce-emulator.js'
