import type {Node, Pair} from 'yaml'

/**
 * The services file read the way the migration console reads it: PyYAML's `yaml.safe_load`, which
 * speaks YAML 1.1. The yaml package parses the text (with every scalar kept as written); the values are
 * then resolved with PyYAML's own rules, so a file means here what it means to the console:
 * `yes`/`no`/`on`/`off` are booleans (`y` and `n` are not), `1e5` is a string, `2024-01-15` is a date,
 * `<<` merges mappings, a repeated key keeps its last value, and an empty document is an empty mapping.
 */

/** A plain scalar PyYAML reads as a timestamp (a date): kept apart, so a field that needs a string can say so. */
export class YamlDate {
  constructor(readonly text: string) {}

  toJSON(): string {
    return this.text
  }
}

export function isYamlDate(value: unknown): value is YamlDate {
  return value instanceof YamlDate
}

/** Why the text is not YAML the console can read: one line per problem, with its line number. */
export class YamlReadError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
    this.name = 'YamlReadError'
  }
}

// PyYAML's implicit resolvers (resolver.py), for plain scalars only.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/
const INT =
  /^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][\d_]*)|[-+]?0x[\dA-Fa-f_]+|[-+]?[1-9][\d_]*(?::[0-5]?\d)+)$/
const FLOAT =
  /^(?:[-+]?\d[\d_]*\.[\d_]*(?:[Ee][-+]\d+)?|\.\d[\d_]*(?:[Ee][-+]\d+)?|[-+]?\d[\d_]*(?::[0-5]?\d)+\.[\d_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/
const NULL = /^(?:~|null|Null|NULL|)$/
const TIMESTAMP =
  /^(?:\d{4}-\d\d-\d\d|\d{4}-\d\d?-\d\d?(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)$/

const TAG = 'tag:yaml.org,2002:'

function sexagesimal(text: string): number {
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0)
}

function toInt(text: string): number {
  const clean = text.replaceAll('_', '')
  const sign = clean.startsWith('-') ? -1 : 1
  const digits = clean.replace(/^[-+]/, '')
  if (digits === '0') return 0
  if (digits.startsWith('0b')) return sign * Number.parseInt(digits.slice(2), 2)
  if (digits.startsWith('0x')) return sign * Number.parseInt(digits.slice(2), 16)
  if (digits.startsWith('0')) return sign * Number.parseInt(digits, 8)
  if (digits.includes(':')) return sign * sexagesimal(digits)
  return sign * Number(digits)
}

function toFloat(text: string): number {
  const clean = text.replaceAll('_', '').toLowerCase()
  const sign = clean.startsWith('-') ? -1 : 1
  const digits = clean.replace(/^[-+]/, '')
  if (digits === '.inf') return sign * Infinity
  if (digits === '.nan') return Number.NaN
  if (digits.includes(':')) return sign * sexagesimal(digits)
  return sign * Number(digits)
}

/** A plain scalar as PyYAML resolves it. */
function resolvePlain(text: string): unknown {
  if (NULL.test(text)) return null
  if (BOOL.test(text)) return ['on', 'true', 'yes'].includes(text.toLowerCase())
  if (INT.test(text)) return toInt(text)
  if (FLOAT.test(text)) return toFloat(text)
  if (TIMESTAMP.test(text)) return new YamlDate(text)
  return text
}

/** A scalar with an explicit tag (`!!str 123`); safe_load knows only the standard ones. */
function resolveTagged(tag: string, text: string, line: string): unknown {
  switch (tag) {
    case `${TAG}bool`: {
      if (BOOL.test(text)) return ['on', 'true', 'yes'].includes(text.toLowerCase())
      break
    }

    case `${TAG}float`: {
      if (FLOAT.test(text) || INT.test(text)) return toFloat(text)
      break
    }

    case `${TAG}int`: {
      if (INT.test(text)) return toInt(text)
      break
    }

    case `${TAG}null`: {
      return null
    }

    case `${TAG}str`: {
      return text
    }

    case `${TAG}timestamp`: {
      if (TIMESTAMP.test(text)) return new YamlDate(text)
      break
    }

    default: {
      throw new YamlReadError([
        `${line}: the tag ${tag.replace(TAG, '!!')} is not one the console's YAML reader accepts`,
      ])
    }
  }

  // The value is not repeated: it may be a secret (a password given a tag).
  throw new YamlReadError([`${line}: a value of ${text.length} character(s) is not a valid ${tag.replace(TAG, '!!')}`])
}

/**
 * The text as `yaml.safe_load` returns it: null for an empty (or comment-only) document, else its value.
 * Throws a YamlReadError naming each problem and its line.
 */
export async function readLikePyyaml(text: string): Promise<unknown> {
  const {isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument} = await import('yaml')
  const lines = new LineCounter()
  // failsafe: every scalar stays the text it was written as, resolved below by PyYAML's rules.
  const document = parseDocument(text, {
    lineCounter: lines,
    merge: false,
    schema: 'failsafe',
    uniqueKeys: false,
    version: '1.1',
  })
  if (document.errors.length > 0)
    throw new YamlReadError(
      document.errors.map((error) =>
        error.code === 'MULTIPLE_DOCS'
          ? `holds more than one YAML document (from line ${error.linePos?.[0]?.line ?? '?'}); the console reads exactly one`
          : `not valid YAML at line ${error.linePos?.[0]?.line ?? '?'}: ${error.message.split('\n')[0]}`,
      ),
    )
  try {
    // The yaml package refuses documents whose aliases expand beyond a bound ("billion laughs").
    document.toJS({maxAliasCount: 100})
  } catch (error) {
    throw new YamlReadError([`cannot be read as YAML: ${(error as Error).message}`])
  }

  const lineOf = (node: Node) => `line ${node.range ? lines.linePos(node.range[0]).line : '?'}`
  const built = new Map<Node, unknown>()
  const building = new Set<Node>()
  const target = (node: Node): Node => (isAlias(node) ? (node.resolve(document) as Node) : node)

  /** The mapping's pairs with `<<` merges laid out first, as PyYAML's flatten_mapping does. */
  const flatPairs = (map: Node, seen: Set<Node>): Pair[] => {
    if (seen.has(map)) throw new YamlReadError([`${lineOf(map)}: a merge (<<) refers to the mapping it is in`])
    seen.add(map)
    const merged: Pair[] = []
    const own: Pair[] = []
    for (const pair of (map as unknown as {items: Pair[]}).items) {
      const key = pair.key as Node | null
      if (key && isScalar(key) && key.type === 'PLAIN' && !key.tag && key.value === '<<') {
        const value = pair.value ? target(pair.value as Node) : undefined
        if (value && isMap(value)) merged.push(...flatPairs(value, seen))
        else if (value && isSeq(value)) {
          const sources = value.items.map((item) => {
            const source = target(item as Node)
            if (!isMap(source))
              throw new YamlReadError([`${lineOf(item as Node)}: a merge (<<) list must hold only mappings`])
            return flatPairs(source, seen)
          })
          // Earlier mappings in the list win over later ones.
          for (const pairs of sources.reverse()) merged.push(...pairs)
        } else throw new YamlReadError([`${lineOf(key)}: a merge (<<) needs a mapping or a list of mappings`])
      } else own.push(pair)
    }

    seen.delete(map)
    return [...merged, ...own]
  }

  const build = (given: Node | null | undefined): unknown => {
    if (given === null || given === undefined) return null
    const node = target(given)
    if (built.has(node)) return built.get(node)
    if (building.has(node)) throw new YamlReadError([`${lineOf(given)}: an alias refers to a value that contains it`])
    if (isScalar(node)) {
      const text = String(node.value)
      const tag = node.tag && node.tag !== '!' ? node.tag : undefined
      const value = tag ? resolveTagged(tag, text, lineOf(node)) : node.type === 'PLAIN' ? resolvePlain(text) : text
      built.set(node, value)
      return value
    }

    building.add(node)
    let value: unknown
    if (isSeq(node)) value = node.items.map((item) => build(item as Node))
    else if (isMap(node)) {
      const object: Record<string, unknown> = {}
      // A repeated key keeps its last value, as a Python dict built in order does.
      for (const pair of flatPairs(node, new Set()))
        object[String(build(pair.key as Node | null))] = build(pair.value as Node | null)
      value = object
    } else throw new YamlReadError([`${lineOf(node)}: a YAML node the console's reader does not know`])
    building.delete(node)
    built.set(node, value)
    return value
  }

  return build(document.contents as Node | null)
}
