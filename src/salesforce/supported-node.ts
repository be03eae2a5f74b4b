import { EngineStateError } from '../errors/engine-state-error.js'

/**
 * Why this Node.js cannot run pgforce's Salesforce side, in one line, or `undefined` when it can:
 * jsforce 3 talks HTTP through undici 8, which needs Node.js ≥ 22.19 and crashes on load
 * (`Cannot read properties of undefined (reading 'bind')`) on anything older. @internal
 */
export function unsupportedNodeMessage(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if (major > 22 || (major === 22 && minor >= 19)) return undefined
  return `pgforce needs Node.js >= 22.19 (jsforce 3 requires it); this is Node ${version}`
}

/**
 * Throws an `EngineStateError` with {@link unsupportedNodeMessage} when this Node.js is too old
 * for jsforce and undici. Called before pgforce first loads them. @internal
 */
export function assertSupportedNode(version: string = process.versions.node): void {
  const message = unsupportedNodeMessage(version)
  if (message) throw new EngineStateError(message)
}
