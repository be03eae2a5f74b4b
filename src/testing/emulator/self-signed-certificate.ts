import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'

/** A certificate and its private key, both PEM. */
export interface SelfSignedCertificate {
  readonly certificate: string
  readonly privateKey: string
}

/**
 * A new self-signed X.509 certificate (ECDSA P-256, SHA-256) for `localhost` and `127.0.0.1`,
 * valid for a day, made with node:crypto alone: the emulator's Pub/Sub endpoint serves TLS with it
 * and clients trust it as their CA. Nothing is written to disk. @internal
 */
export function selfSignedCertificate(commonName = 'pgforce-emulator'): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'))
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))))
  const now = Date.now()
  const serial = randomBytes(8)
  // A positive INTEGER in its shortest form: first byte 0x40–0x7f (a leading 0x00 before a byte
  // below 0x80 is "illegal padding" to OpenSSL, which refused one certificate in 256).
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40
  const subjectAltName = seq(
    tlv(0x82, Buffer.from('localhost', 'ascii')),
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
  )
  const extensions = seq(
    seq(
      oid('2.5.29.19'),
      tlv(0x01, Buffer.from([0xff])),
      octets(seq(tlv(0x01, Buffer.from([0xff])))),
    ),
    seq(oid('2.5.29.17'), octets(subjectAltName)),
  )
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, extensions),
  )
  const signature = sign('sha256', tbs, privateKey)
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])))
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n')
  return {
    certificate: `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const value = Buffer.concat(content)
  const length = value.length
  const header =
    length < 0x80
      ? Buffer.from([tag, length])
      : length < 0x100
        ? Buffer.from([tag, 0x81, length])
        : Buffer.from([tag, 0x82, length >> 8, length & 0xff])
  return Buffer.concat([header, value])
}

function seq(...content: Buffer[]): Buffer {
  return tlv(0x30, ...content)
}

function set(...content: Buffer[]): Buffer {
  return tlv(0x31, ...content)
}

function octets(content: Buffer): Buffer {
  return tlv(0x04, content)
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * first + second]
  for (const arc of rest) {
    const chunk = [arc & 0x7f]
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

function utcTime(date: Date): Buffer {
  const text = `${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`
  return tlv(0x17, Buffer.from(text, 'ascii'))
}
