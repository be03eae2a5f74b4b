/**
 * The emulator's Pub/Sub replay ids: 10 opaque bytes, as real ones are (a captured one reads
 * `00 00 00 00 00 10 DB 4D 00 00`): the log's replay id as an 8-byte big-endian number, then two
 * bytes. Byte order is replay order, so ids compare as bytes. @internal
 */
export function replayBytes(replayId: number): Buffer {
  const bytes = Buffer.alloc(10)
  bytes.writeBigUInt64BE(BigInt(Math.max(0, replayId)), 0)
  return bytes
}

/** The log's replay id in bytes the emulator issued, or `undefined` when they are not its own. @internal */
export function replayNumber(bytes: Uint8Array): number | undefined {
  if (bytes.length !== 10 || bytes[8] !== 0 || bytes[9] !== 0) return undefined
  const value = Buffer.from(bytes).readBigUInt64BE(0)
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value)
}
