import {promises as fs} from 'node:fs'

import type {RawCluster, RawServices, RawSnapshot} from './schema.js'

import {UsageError} from '../errors.js'
import {
  type ClusterAuth,
  type ClusterConfig,
  DEFAULT_REPOSITORY_NAME,
  parseRepoUri,
  type ServicesConfig,
  type SnapshotConfig,
} from './model.js'
import {isYamlDate, readLikePyyaml, YamlReadError} from './pyyaml.js'

export const DEFAULT_SERVICES_PATHS = ['/config/migration_services.yaml', '/etc/migration_services.yaml']
export const SERVICES_PATH_ENV = 'MIGRATION_SERVICES_YAML_PATH'
const MAX_SERVICES_FILE_BYTES = 1024 * 1024

export class ServicesFileError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`, [
      `correct ${file}, or point --config-file / ${SERVICES_PATH_ENV} at another services file`,
    ])
    this.name = 'ServicesFileError'
  }
}

/** Where the services file is looked for: an explicit choice must exist; defaults may be absent. */
export function servicesFileCandidates(explicitPath?: string, env: NodeJS.ProcessEnv = process.env) {
  if (explicitPath) return {explicit: true, paths: [explicitPath]}
  const fromEnv = env[SERVICES_PATH_ENV]
  if (fromEnv) return {explicit: true, paths: [fromEnv]}
  return {explicit: false, paths: DEFAULT_SERVICES_PATHS}
}

/** Finds, reads and validates the services file; undefined when no default file exists. */
export async function loadServicesFile(
  explicitPath?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServicesConfig | undefined> {
  const {explicit, paths} = servicesFileCandidates(explicitPath, env)
  for (const file of paths) {
    const text = await readServicesText(file, explicit)
    if (text !== undefined) return parseServices(file, text)
  }

  return undefined
}

async function readServicesText(file: string, mustExist: boolean): Promise<string | undefined> {
  let stat
  try {
    stat = await fs.stat(file)
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    if (code === 'ENOENT' && !mustExist) return undefined
    throw new ServicesFileError(file, [code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`])
  }

  if (stat.isDirectory()) throw new ServicesFileError(file, ['is a directory, not a services file'])
  // A FIFO would wait forever for a writer, a device (/dev/zero, /dev/urandom) would never end.
  if (!stat.isFile())
    throw new ServicesFileError(file, [
      'is not a regular file (a device, FIFO or socket); point at the YAML file itself',
    ])
  if (stat.size > MAX_SERVICES_FILE_BYTES)
    throw new ServicesFileError(file, [
      `is ${stat.size} bytes; a services file is at most ${MAX_SERVICES_FILE_BYTES} bytes`,
    ])
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    throw new ServicesFileError(file, [
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    ])
  }
}

/** A field whose value is a secret, or names where one is kept: its value is never printed. */
const SECRET_FIELD = /^\s*(?:-\s*)?["']?[\w.-]*(?:password|secret|token|key|arn)[\w.-]*["']?\s*:(.*)$/i

/**
 * The values of secret fields as the file spells them (before YAML reads them: a number, an alias, a block
 * scalar with a bad header), so that no message about the file, from the YAML parser or the schema, shows one.
 */
export function secretSpellings(text: string): string[] {
  const found = new Set<string>()
  const lines = text.split(/\r?\n/)
  for (const [index, line] of lines.entries()) {
    const match = SECRET_FIELD.exec(line)
    if (!match) continue
    const values = [match[1]]
    // A block scalar (`password: |`) continues on the lines indented below it.
    const indent = /^\s*/.exec(line)![0].length
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && /^\s*/.exec(next)![0].length <= indent) break
      values.push(next)
    }

    for (const value of values) {
      // A tag (`!!int`) is YAML's word, not the secret's.
      const trimmed = value.replaceAll(/!![A-Za-z]+/g, ' ').trim()
      if (trimmed.length >= 3) found.add(trimmed)
      for (const token of trimmed.split(/[\s|>&*!"',#]+/)) if (token.length >= 3) found.add(token)
    }
  }

  return [...found].sort((a, b) => b.length - a.length)
}

const escapeRegExp = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)

function redacted(text: string, problems: string[]): string[] {
  const secrets = secretSpellings(text)
  return problems.map((problem) => {
    let message = problem
    // Whole spellings only: a short value (`tls`) must not eat into the field names around it (`mtls_auth`).
    for (const secret of secrets)
      message = message.replaceAll(new RegExp(`(?<![\\w-])${escapeRegExp(secret)}(?![\\w-])`, 'g'), '<redacted>')
    return message
  })
}

export async function parseServices(file: string, text: string): Promise<ServicesConfig> {
  try {
    return await parseServicesText(file, text)
  } catch (error) {
    if (error instanceof ServicesFileError) throw new ServicesFileError(file, redacted(text, error.problems))
    throw error
  }
}

async function parseServicesText(file: string, text: string): Promise<ServicesConfig> {
  const {servicesSchema, unknownFields} = await import('./schema.js')
  let data: unknown
  try {
    // As the console reads it: PyYAML's safe_load (YAML 1.1). JSON (what the Kubernetes workflow writes) is YAML too.
    data = await readLikePyyaml(text)
  } catch (error) {
    if (error instanceof YamlReadError) throw new ServicesFileError(file, error.problems)
    throw error
  }

  // The console reads an empty (or comment-only) file as no sections at all.
  data ??= {}
  if (typeof data !== 'object' || Array.isArray(data) || isYamlDate(data))
    throw new ServicesFileError(file, ['must be a YAML mapping of sections (source_cluster, snapshot, ...)'])
  const result = servicesSchema.safeParse(data)
  if (!result.success) {
    throw new ServicesFileError(
      file,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`),
    )
  }

  return normalise(file, result.data, unknownFields(data as Record<string, unknown>))
}

function normalise(file: string, raw: RawServices, unknown: string[]): ServicesConfig {
  if (raw.source_cluster && raw.source)
    throw new ServicesFileError(file, ['source: is an alias of source_cluster; give only one of them'])
  const source = raw.source_cluster ?? raw.source
  return {
    file,
    snapshot: raw.snapshot ? normaliseSnapshot(raw.snapshot) : undefined,
    sourceCluster: source ? normaliseCluster(source) : undefined,
    unknownFields: unknown,
    userAgentExtra: raw.client_options?.user_agent_extra,
  }
}

function normaliseCluster(raw: RawCluster): ClusterConfig {
  let auth: ClusterAuth
  if (raw.basic_auth) {
    const basic = raw.basic_auth
    if (basic.user_secret_arn !== undefined) auth = {kind: 'basic-secret', secretArn: basic.user_secret_arn}
    else if (basic.k8s_secret_name === undefined) {
      auth = {kind: 'basic', password: basic.password!, username: basic.username!}
    } else {
      auth = {kind: 'basic-k8s', secretName: basic.k8s_secret_name}
    }
  } else if ('sigv4' in raw) {
    auth = {kind: 'sigv4', region: raw.sigv4?.region, service: raw.sigv4?.service ?? 'es'}
  } else auth = {kind: 'none'}
  return {
    allowInsecure: raw.allow_insecure ?? false,
    auth,
    endpoint: raw.endpoint.replace(/\/+$/, ''),
    sigv4SigningEndpoint: raw.sigv4_signing_endpoint,
    version: raw.version,
  }
}

/** "" for role, endpoint and the repository name means "not set", as in the console. */
const unlessEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value)

function normaliseSnapshot(raw: RawSnapshot): SnapshotConfig {
  let storage: SnapshotConfig['storage']
  if (raw.s3)
    storage = {
      kind: 's3',
      ...parseRepoUri(raw.s3.repo_uri),
      endpoint: unlessEmpty(raw.s3.endpoint),
      region: raw.s3.aws_region,
      roleArn: unlessEmpty(raw.s3.role),
    }
  else if (raw.gcs) storage = {kind: 'gcs', repoUri: raw.gcs.repo_uri}
  else storage = {kind: 'fs', path: raw.fs!.repo_path.replace(/\/+$/, '')}
  return {
    mode: raw.mode,
    repositoryName: unlessEmpty(raw.snapshot_repo_name) ?? DEFAULT_REPOSITORY_NAME,
    snapshotName: raw.snapshot_name,
    solrCollections: raw.solr_collections,
    storage,
  }
}
