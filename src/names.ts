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

// Commercial, GovCloud, China and ISO partitions: two letters, optional qualifier, a direction, a number.
const REGION_PATTERN = /^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|eu-isoe)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/

export function regionProblem(region: string): string | undefined {
  if (!REGION_PATTERN.test(region)) return 'must be an AWS region name such as us-east-1 or eu-west-2'
  return undefined
}

const FORBIDDEN_NAME_CHARACTERS = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':']

/** Repository and snapshot names as the cluster accepts them (wildcards only where a pattern is allowed). */
export function clusterNameProblem(name: string, options: {allowWildcard?: boolean} = {}): string | undefined {
  if (name.length === 0) return 'must not be empty'
  if (name.length > 255) return 'must be at most 255 characters long'
  if (name !== name.toLowerCase()) return 'must be lowercase'
  if (name.startsWith('_') || name.startsWith('-')) return 'must not start with "_" or "-"'
  const forbidden = FORBIDDEN_NAME_CHARACTERS.filter((character) => !(options.allowWildcard && character === '*'))
  const found = forbidden.find((character) => name.includes(character))
  if (found !== undefined) return `must not contain ${found === ' ' ? 'spaces' : `"${found}"`}`
  return undefined
}

export function endpointProblem(endpoint: string): string | undefined {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return 'must be a URL with a scheme, such as https://host:9200'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://'
  if (!url.hostname) return 'must name a host'
  return undefined
}
