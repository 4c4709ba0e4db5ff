import {promises as fs} from 'node:fs'

import {UsageError} from '../errors.js'
import {
  type ClusterAuth,
  type ClusterConfig,
  DEFAULT_REPOSITORY_NAME,
  parseRepoUri,
  type ServicesConfig,
  type SnapshotConfig,
} from './model.js'
import type {RawCluster, RawServices} from './schema.js'

export const DEFAULT_SERVICES_PATHS = ['/config/migration_services.yaml', '/etc/migration_services.yaml']
export const SERVICES_PATH_ENV = 'MIGRATION_SERVICES_YAML_PATH'
const MAX_SERVICES_FILE_BYTES = 1024 * 1024

export class ServicesFileError extends UsageError {
  constructor(
    readonly file: string,
    problems: string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`, [
      `correct ${file}, or point --config-file / ${SERVICES_PATH_ENV} at another services file`,
    ])
    this.name = 'ServicesFileError'
  }
}

/** Where the services file is looked for: an explicit choice must exist; defaults may be absent. */
export function servicesFileCandidates(explicitPath?: string, env: NodeJS.ProcessEnv = process.env) {
  if (explicitPath) return {paths: [explicitPath], explicit: true}
  const fromEnv = env[SERVICES_PATH_ENV]
  if (fromEnv) return {paths: [fromEnv], explicit: true}
  return {paths: DEFAULT_SERVICES_PATHS, explicit: false}
}

/** Finds, reads and validates the services file; undefined when no default file exists. */
export async function loadServicesFile(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): Promise<ServicesConfig | undefined> {
  const {paths, explicit} = servicesFileCandidates(explicitPath, env)
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
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !mustExist) return undefined
    throw new ServicesFileError(file, [code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`])
  }
  if (stat.isDirectory()) throw new ServicesFileError(file, ['is a directory, not a services file'])
  // A FIFO would wait forever for a writer, a device (/dev/zero, /dev/urandom) would never end.
  if (!stat.isFile()) throw new ServicesFileError(file, ['is not a regular file (a device, FIFO or socket); point at the YAML file itself'])
  if (stat.size > MAX_SERVICES_FILE_BYTES)
    throw new ServicesFileError(file, [`is ${stat.size} bytes; a services file is at most ${MAX_SERVICES_FILE_BYTES} bytes`])
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    throw new ServicesFileError(file, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`])
  }
}

export async function parseServices(file: string, text: string): Promise<ServicesConfig> {
  const [{parseDocument}, {servicesSchema}] = await Promise.all([import('yaml'), import('./schema.js')])
  if (text.trim() === '') throw new ServicesFileError(file, ['is empty'])
  const document = parseDocument(text, {uniqueKeys: true})
  if (document.errors.length > 0) {
    throw new ServicesFileError(
      file,
      document.errors.map((error) => `not valid YAML at line ${error.linePos?.[0]?.line ?? '?'}: ${error.message.split('\n')[0]}`),
    )
  }
  let data: unknown
  try {
    // The yaml library refuses documents whose aliases expand beyond a bound ("billion laughs").
    data = document.toJS({maxAliasCount: 100})
  } catch (error) {
    throw new ServicesFileError(file, [`cannot be read as YAML: ${(error as Error).message}`])
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new ServicesFileError(file, ['must be a YAML mapping of sections (source_cluster, snapshot, ...)'])
  const result = servicesSchema.safeParse(data)
  if (!result.success) {
    throw new ServicesFileError(
      file,
      result.error.issues.map((issue) => {
        const path = issue.path.join('.')
        if (issue.code === 'unrecognized_keys')
          return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown field`).join('; ')
        const message = issue.code === 'invalid_type' && !issue.message.startsWith('must') && !issue.message.startsWith('is')
          ? `must be a ${issue.expected}`
          : issue.message
        return `${path || '(top level)'}: ${message}`
      }),
    )
  }
  return normalise(file, result.data)
}

function normalise(file: string, raw: RawServices): ServicesConfig {
  if (raw.source_cluster && raw.source)
    throw new ServicesFileError(file, ['source: is an alias of source_cluster; give only one of them'])
  const source = raw.source_cluster ?? raw.source
  return {
    file,
    sourceCluster: source ? normaliseCluster(source) : undefined,
    snapshot: raw.snapshot ? normaliseSnapshot(raw.snapshot) : undefined,
    userAgentExtra: raw.client_options?.user_agent_extra,
  }
}

function normaliseCluster(raw: RawCluster): ClusterConfig {
  let auth: ClusterAuth
  if (raw.basic_auth) {
    auth = raw.basic_auth.user_secret_arn
      ? {kind: 'basic-secret', secretArn: raw.basic_auth.user_secret_arn}
      : {kind: 'basic', username: raw.basic_auth.username!, password: raw.basic_auth.password!}
  } else if ('sigv4' in raw) {
    auth = {kind: 'sigv4', region: raw.sigv4?.region, service: raw.sigv4?.service ?? 'es'}
  } else auth = {kind: 'none'}
  return {endpoint: raw.endpoint.replace(/\/+$/, ''), allowInsecure: raw.allow_insecure ?? false, version: raw.version, auth}
}

function normaliseSnapshot(raw: NonNullable<RawServices['snapshot']>): SnapshotConfig {
  const storage: SnapshotConfig['storage'] = raw.s3
    ? {
        kind: 's3',
        ...parseRepoUri(raw.s3.repo_uri),
        region: raw.s3.aws_region,
        roleArn: raw.s3.role,
        endpoint: raw.s3.endpoint,
      }
    : {kind: 'fs', path: raw.fs!.repo_path.replace(/\/+$/, '')}
  return {snapshotName: raw.snapshot_name, repositoryName: raw.snapshot_repo_name ?? DEFAULT_REPOSITORY_NAME, storage}
}
