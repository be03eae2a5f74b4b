/**
 * pgforce/testing: the test kit for apps that embed pgforce (an in-memory Salesforce org, an
 * adapter over it, and an HTTP emulator that real jsforce talks to).
 * @packageDocumentation
 */
export { VERSION } from './version.js'
