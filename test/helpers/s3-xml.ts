/**
 * XML of the S3 API as the test stores read and write it (FakeS3 behind nock, the fault proxy in front of
 * MinIO): element text escaped and unescaped, and the objects a DeleteObjects request asks for.
 */

/** One object of a DeleteObjects request, as asked. */
export interface AskedObject {
  Key: string
  VersionId?: string
}

const ENTITIES: Record<string, string> = {amp: '&', apos: "'", gt: '>', lt: '<', quot: '"'}

/** The text of an XML element's content: the five named entities and numeric character references. */
export function unescapeXml(text: string): string {
  return text.replaceAll(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] !== '#') return ENTITIES[name] ?? entity
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1))
    return String.fromCodePoint(code)
  })
}

/** Text as XML element content: markup characters, and control characters (and U+2028/9) as references. */
export function escapeXml(text: string): string {
  const named = new Map(Object.entries(ENTITIES).map(([name, value]) => [value, `&${name};`]))
  return [...text]
    .map((character) => {
      const code = character.codePointAt(0)!
      if (named.has(character)) return named.get(character)
      const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x20_28 || code === 0x20_29
      return control ? `&#x${code.toString(16).toUpperCase()};` : character
    })
    .join('')
}

/** The objects a DeleteObjects request asks for, and whether it asked for a quiet answer (errors only). */
export function parseDeleteRequest(xml: string): {objects: AskedObject[]; quiet: boolean} {
  const objects = [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map(([, inner]) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(inner)
    if (!key) throw new Error(`a DeleteObjects <Object> without a <Key>: ${inner}`)
    const version = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(inner)
    return version ? {Key: unescapeXml(key[1]), VersionId: unescapeXml(version[1])} : {Key: unescapeXml(key[1])}
  })
  return {objects, quiet: /<Quiet>\s*true\s*<\/Quiet>/i.test(xml)}
}
