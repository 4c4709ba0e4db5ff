/** The services file as the plugin uses it, after validation and normalisation. */

export type ClusterAuth =
  | {kind: 'basic'; password: string; username: string}
  | {kind: 'basic-k8s'; secretName: string}
  /** A Secrets Manager secret, by ARN or by name, whose JSON holds username and password. */
  | {kind: 'basic-secret'; secretArn: string}
  /** A Kubernetes secret in the console's namespace with keys username and password. */
  | {kind: 'none'}
  | {kind: 'sigv4'; region?: string; service: string}

export interface ClusterConfig {
  allowInsecure: boolean
  auth: ClusterAuth
  endpoint: string
  /** Sign requests for this host while sending them to endpoint (a proxy in front of a managed domain). */
  sigv4SigningEndpoint?: string
  version?: string
}

export interface S3Storage {
  /** As the console writes it into the registration; the services file's form has no leading or trailing slash. */
  basePath: string
  bucket: string
  /** As given (the repository plugin takes it with or without a scheme); the console's own client adds https://. */
  endpoint?: string
  kind: 's3'
  region: string
  roleArn?: string
}

export interface FsStorage {
  kind: 'fs'
  path: string
}

export type RepositoryStorage = FsStorage | S3Storage

/** A Google Cloud Storage repository: the console knows it; this plugin can only say so. */
export interface GcsStorage {
  kind: 'gcs'
  repoUri: string
}

export interface SnapshotConfig {
  /** The console's snapshot mode (create or import); read, not used. */
  mode?: string
  repositoryName: string
  /** Optional here: only `snapshot delete` uses it, and checks it then. */
  snapshotName?: string
  solrCollections?: string[]
  storage: GcsStorage | RepositoryStorage
}

export interface ServicesConfig {
  /** Where it was read from, for messages. */
  file: string
  snapshot?: SnapshotConfig
  sourceCluster?: ClusterConfig
  /** Fields the plugin does not know: named in one warning, never a refusal. */
  unknownFields: string[]
  userAgentExtra?: string
}

export const DEFAULT_REPOSITORY_NAME = 'migration_assistant_repo'

/** `s3://bucket/base/path/` → bucket and base path, as the console splits it. */
export function parseRepoUri(uri: string): {basePath: string; bucket: string} {
  const withoutScheme = uri.replace(/^[a-z0-9]+:\/\//, '')
  const slash = withoutScheme.indexOf('/')
  const bucket = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash)
  const basePath = slash === -1 ? '' : withoutScheme.slice(slash + 1).replace(/\/+$/, '')
  return {basePath, bucket}
}

/** The services file's S3 storage, if it names one: the bucket, region and endpoint of a registration that lacks them. */
export function s3StorageOf(services: ServicesConfig | undefined): S3Storage | undefined {
  const storage = services?.snapshot?.storage
  return storage?.kind === 's3' ? storage : undefined
}

/** A Solr source: decided by source_cluster.version alone (SOLR_8.11, SOLR 9.7.0, ...), as the console decides it. */
export function isSolrSource(services: ServicesConfig | undefined): boolean {
  return /^solr/i.test(services?.sourceCluster?.version ?? '')
}
