import {PutObjectCommand} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'

import * as e2e from './e2e.js'

/** What the e2e files set up on the shared engines and take down again: spelled once, used by every file. */

type Cluster = ReturnType<typeof e2e.clusterCaller>

/** The local OpenSearch, called as the e2e files call it. */
export const sourceCluster = (): Cluster => e2e.clusterCaller(e2e.engines().opensearch)

/**
 * A services file for the local OpenSearch whose snapshot section points at s3://bucket/basePath, reached at
 * `endpoint` (the store's, or a proxy in front of it). Written under the e2e scratch folder as `file`.
 */
export function s3ServicesFile(
  file: string,
  options: {basePath: string; bucket: string; endpoint: string; repository?: string; snapshot?: string},
): string {
  const local = e2e.engines()
  const lines = [
    'source_cluster:',
    `  endpoint: ${local.opensearch}`,
    '  no_auth:',
    'snapshot:',
    `  snapshot_name: ${options.snapshot ?? 'rfs-snapshot'}`,
    ...(options.repository ? [`  snapshot_repo_name: ${options.repository}`] : []),
    '  s3:',
    `    repo_uri: s3://${options.bucket}/${options.basePath}`,
    `    aws_region: ${local.region}`,
    `    endpoint: ${options.endpoint}`,
  ]
  return e2e.writeServices(file, `${lines.join('\n')}\n`)
}

/** Registers an S3 repository at bucket/basePath through the cluster (the store's settings, then `extra`); 200 or fails. */
export async function registerS3(
  cluster: Cluster,
  name: string,
  location: {basePath: string; bucket: string; extra?: Record<string, string>; store?: e2e.Store},
): Promise<void> {
  const {basePath, bucket, extra = {}, store = e2e.moto()} = location
  const answer = await cluster('PUT', `/_snapshot/${name}`, {
    settings: {base_path: basePath, bucket, region: e2e.engines().region, ...store.repositorySettings, ...extra},
    type: 's3',
  })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
}

/** A real snapshot of `indices` (waited for, without the global state); SUCCESS or fails. */
export async function takeSnapshot(cluster: Cluster, repository: string, name: string, indices: string) {
  const taken = await cluster('PUT', `/_snapshot/${repository}/${name}?wait_for_completion=true`, {
    include_global_state: false,
    indices,
  })
  assert.equal(taken.status, 200, JSON.stringify(taken.body))
}

/** Each repository's snapshots deleted, then its registration: what a test registered, taken down. */
export async function removeRepositories(cluster: Cluster, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    const snapshots = await cluster('GET', `/_snapshot/${name}/_all`)
    for (const taken of snapshots.body.snapshots ?? []) await cluster('DELETE', `/_snapshot/${name}/${taken.snapshot}`)
    await cluster('DELETE', `/_snapshot/${name}`)
  }
}

/** Every registration whose name holds `part` (a run's suffix) removed as removeRepositories does. */
export async function removeRepositoriesNamed(cluster: Cluster, part: string): Promise<void> {
  const names = Object.keys((await cluster('GET', '/_snapshot')).body).filter((name) => name.includes(part))
  await removeRepositories(cluster, names)
}

/**
 * `count` small objects under `prefix`, 16 at a time: enough files of a repository's own for several listing
 * pages and DeleteObjects batches (under a tests- folder: the cluster's own cleanup after its snapshots are
 * deleted removes unknown folders under indices/, not those).
 */
export async function fill(
  bucket: string,
  prefix: string,
  count: number,
  store: e2e.Store = e2e.moto(),
): Promise<void> {
  let next = 0
  const put = async () => {
    while (next < count) {
      const number = next++
      await e2e.s3Client(store).send(new PutObjectCommand({Body: 'x', Bucket: bucket, Key: `${prefix}blob__${number}`}))
    }
  }

  await Promise.all(Array.from({length: 16}, put))
}

/** An object of someone else's at `key`: what a deleting command must leave alone. */
export async function putForeign(
  bucket: string,
  key: string,
  store: e2e.Store = e2e.moto(),
  body = 'mine',
): Promise<void> {
  await e2e.s3Client(store).send(new PutObjectCommand({Body: body, Bucket: bucket, Key: key}))
}

/** Where a command finds the cluster: a services file (--config-file), or the cluster's URL (--endpoint). */
const source = (where: string) => (/^https?:\/\//.test(where) ? ['--endpoint', where] : ['--config-file', where])

/** A services file per base path in `bucket`, named after `label` (which holds the run's suffix) and the base path. */
export const servicesPerBasePath = (label: string, bucket: string, endpoint: string) => (basePath: string) =>
  s3ServicesFile(`${label}-${basePath.replaceAll('/', '_')}.yaml`, {basePath, bucket, endpoint})

/** `repo clean` of one repository. */
export const cleanArgs = (where: string, repository: string, ...flags: string[]) => [
  'repo',
  'clean',
  ...source(where),
  '--repository',
  repository,
  ...flags,
]

/** `repo clean` of a repository holding data verify did not make: --force, and --confirm with its name. */
export const forcedCleanArgs = (where: string, repository: string, ...flags: string[]) =>
  cleanArgs(where, repository, '--force', '--confirm', repository, ...flags)

/** `snapshot verify` of the cluster a services file names (or at a URL, --endpoint). */
export const verifyArgs = (where: string, ...flags: string[]) => ['snapshot', 'verify', ...source(where), ...flags]

/** The registrations in `bucket` whose base path lies below `prefix` (the engines are shared: only those are a run's). */
export async function registrationsBelow(cluster: Cluster, bucket: string, prefix: string): Promise<string[]> {
  const registrations = Object.entries((await cluster('GET', '/_snapshot')).body as Record<string, any>)
  return registrations
    .filter(([, body]) => body.settings?.bucket === bucket && String(body.settings?.base_path ?? '').startsWith(prefix))
    .map(([name]) => name)
}

/** The suite's bucket and CLI helpers bound to one store, for a file that runs its tests on every store. */
export function onStore(store: e2e.Store) {
  return {
    bucketExists: (bucket: string) => e2e.bucketExists(bucket, store),
    console_: (args: string[], env: Record<string, string> = {}) => e2e.console_(args, env, store),
    createBucket: (bucket: string) => e2e.createBucket(bucket, store),
    emptyAndDeleteBucket: (bucket: string) => e2e.emptyAndDeleteBucket(bucket, store),
    keysUnder: (bucket: string, prefix?: string) => e2e.keysUnder(bucket, prefix, store),
  }
}

/** `count` documents ({title: "book N"}) in `index`, searchable at once: an index with data for real snapshots. */
export async function indexBooks(cluster: Cluster, index: string, count = 3): Promise<void> {
  for (let document = 1; document <= count; document++)
    await cluster('PUT', `/${index}/_doc/${document}?refresh=true`, {title: `book ${document}`})
}

/** Declares a file's tests once per store the engines run, each with a fresh suffix for the names it makes. */
export function forEachStore(declare: (store: e2e.Store, suffix: string) => void): void {
  for (const store of e2e.stores()) declare(store, e2e.uniqueSuffix())
}
