/**
 * The naming rules of S3 and of the cluster, checked before any request is sent.
 * Each check returns undefined when the value is acceptable, else the rule it breaks.
 */

export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long'
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return 'may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit'
  if (name.includes('..')) return 'must not contain two adjacent dots'
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address'
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.startsWith('amzn-s3-demo-'))
    return 'must not start with a reserved prefix (xn--, sthree-, amzn-s3-demo-)'
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3') || name.endsWith('.mrap') || name.endsWith('--x-s3'))
    return 'must not end with a reserved suffix (-s3alias, --ol-s3, .mrap, --x-s3)'
  return undefined
}

// AWS's partitions: commercial (us, eu, ap, ...), GovCloud (us-gov), China (cn), the ISO partitions
// (us-iso, us-isob, us-isof, eu-isoe) and the European Sovereign Cloud (eusc).
const REGION_PATTERN =
  /^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-[a-z]{2})-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/

export function regionProblem(region: string): string | undefined {
  if (!REGION_PATTERN.test(region)) return 'must be an AWS region name such as us-east-1 or eu-west-2'
  return undefined
}

// The cluster's own rule (MetadataCreateIndexService / SnapshotsService): none of these, nor whitespace.
const FORBIDDEN_NAME_CHARACTERS = ['\\', '/', '*', '?', '"', '<', '>', '|', ',', '#', ':']

function sharedNameProblem(name: string, allowWildcard: boolean): string | undefined {
  if (name.length === 0) return 'must not be empty'
  if (name.length > 255) return 'must be at most 255 characters long'
  if (name === '.' || name === '..') return 'must not be "." or ".." (they name a path, not a repository or snapshot)'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F]/.test(name)) return 'must not contain control characters (newlines, tabs, ...)'
  if (/\s/.test(name)) return 'must not contain whitespace'
  const forbidden = FORBIDDEN_NAME_CHARACTERS.filter((character) => !(allowWildcard && character === '*'))
  const found = forbidden.find((character) => name.includes(character))
  if (found !== undefined) return `must not contain "${found}"`
  // A leading _ names the cluster's own endpoints (_all, _status); a leading - excludes in a pattern.
  if (name.startsWith('_') || name.startsWith('-')) return 'must not start with "_" or "-"'
  return undefined
}

/** Repository names: the cluster allows upper case (`repoA`); the rest as for snapshots. */
export function repositoryNameProblem(name: string): string | undefined {
  return sharedNameProblem(name, false)
}

/** Snapshot names (wildcards only where a pattern is allowed): lower case, no leading _ or -. */
export function snapshotNameProblem(name: string, options: {allowWildcard?: boolean} = {}): string | undefined {
  const shared = sharedNameProblem(name, options.allowWildcard ?? false)
  if (shared) return shared
  if (name !== name.toLowerCase()) return 'must be lowercase'
  return undefined
}

/** One path segment of a cluster URL: percent-encoded, with the wildcard and list separator kept where allowed. */
export function pathSegment(name: string, options: {pattern?: boolean} = {}): string {
  const encoded = encodeURIComponent(name)
  return options.pattern ? encoded.replaceAll('%2C', ',') : encoded.replaceAll('*', '%2A')
}

/**
 * An endpoint URL as the plugin takes it: http(s), a host, nothing after the path. Credentials,
 * a query or a fragment are refused: the first would be printed and sent where the user did not
 * mean, the others turn every request path into something else.
 */
export function endpointProblem(endpoint: string, options: {schemeOptional?: boolean} = {}): string | undefined {
  let url: URL
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)
  if (!hasScheme && !options.schemeOptional) return 'must be a URL with a scheme, such as https://host:9200'
  const withScheme = hasScheme ? endpoint : `https://${endpoint}`
  try {
    url = new URL(withScheme)
  } catch {
    return options.schemeOptional
      ? 'must be a host name or URL, such as s3.example.com or https://s3.example.com'
      : 'must be a URL with a scheme, such as https://host:9200'
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://'
  if (!url.hostname) return 'must name a host'
  if (url.username || url.password)
    return 'must not carry credentials (user:password@); put them under basic_auth in the services file'
  if (url.search || withScheme.includes('?')) return 'must not have a query (?...)'
  if (url.hash || withScheme.includes('#')) return 'must not have a fragment (#...)'
  return undefined
}

/** The endpoint as it may be printed: any credentials in it replaced (also without a scheme: `user:secret@bucket`). */
export function redactEndpoint(endpoint: string): string {
  return endpoint.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^@/?#]*@/i, '$1<credentials>@')
}

/** Index names follow the cluster's rule for snapshot names: lower case, none of the forbidden characters, no leading _ or -. */
export function indexNameProblem(name: string): string | undefined {
  return snapshotNameProblem(name)
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
}

/** A size as the engines write it (`64mb`, `1gb`, `512kb`, plain bytes; units of 1024), in bytes. */
export function parseByteSize(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim())
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined
  if (!match || unit === undefined) return undefined
  const bytes = Math.floor(Number(match[1]) * unit)
  return bytes > 0 ? bytes : undefined
}

export function byteSizeProblem(value: string): string | undefined {
  return parseByteSize(value) === undefined ? 'must be a size above zero such as 64mb, 512kb or 1gb' : undefined
}
