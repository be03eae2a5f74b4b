const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'

/**
 * The org's 18-character id: the one the login gave, else read from the access token, whose
 * first 15 characters are the org id (`00D…!<secret>`), with its case-safe suffix. @internal
 */
export function organizationIdOf(known: string | undefined, accessToken: string): string {
  if (known) return known.length === 15 ? known + checksum(known) : known
  const id = accessToken.split('!', 1)[0] ?? ''
  return id.length === 15 ? id + checksum(id) : id
}

function checksum(id15: string): string {
  let suffix = ''
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0
    for (let i = 0; i < 5; i += 1) {
      const char = id15.charAt(chunk * 5 + i)
      if (char >= 'A' && char <= 'Z') bits |= 1 << i
    }
    suffix += SUFFIX.charAt(bits)
  }
  return suffix
}
