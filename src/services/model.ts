/** The services file as the plugin uses it, after validation and normalisation. */

export type ClusterAuth =
  | {kind: 'none'}
  | {kind: 'basic'; username: string; password: string}
  | {kind: 'basic-secret'; secretArn: string}
  | {kind: 'sigv4'; region?: string; service: 'es' | 'aoss'}

export interface ClusterConfig {
  endpoint: string
  allowInsecure: boolean
  version?: string
  auth: ClusterAuth
}

export interface S3Storage {
  kind: 's3'
  bucket: string
  /** Without leading or trailing slash; empty when the repository sits at the bucket's root. */
  basePath: string
  region: string
  roleArn?: string
  endpoint?: string
}

export interface FsStorage {
  kind: 'fs'
  path: string
}

export type RepositoryStorage = S3Storage | FsStorage

export interface SnapshotConfig {
  snapshotName: string
  repositoryName: string
  storage: RepositoryStorage
}

export interface ServicesConfig {
  /** Where it was read from, for messages. */
  file: string
  sourceCluster?: ClusterConfig
  snapshot?: SnapshotConfig
  userAgentExtra?: string
}

export const DEFAULT_REPOSITORY_NAME = 'migration_assistant_repo'

/** `s3://bucket/base/path/` → bucket and base path, as the console splits it. */
export function parseRepoUri(uri: string): {bucket: string; basePath: string} {
  const withoutScheme = uri.slice('s3://'.length)
  const slash = withoutScheme.indexOf('/')
  const bucket = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash)
  const basePath = slash === -1 ? '' : withoutScheme.slice(slash + 1).replace(/\/+$/, '')
  return {bucket, basePath}
}
