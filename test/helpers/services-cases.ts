import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {KNOWN_FIELDS} from '../../src/services/schema.js'

/**
 * Every field of the services file schema, each given every kind of value, inside a file that is
 * otherwise one the console accepts. The cases are generated from the plugin's own list of fields,
 * so a field added there is covered here without a new test. `scripts/console-verdicts.py` loads the
 * same cases with the console's own Environment and records what it does with each
 * (test/fixtures/services/console/field-verdicts.json).
 */

export const FIELD_VALUES: unknown[] = [null, [], {}, 0, 1.5, true, '', 'x']

/** Values of secret fields in the bases: none of them may ever appear in an error. */
export const BASE_SECRETS = [
  'base-password-7Q',
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:base-creds-AbCdEf',
  'base-k8s-creds',
]

const target = {endpoint: 'https://target.example:9200', no_auth: {}}
/** Files the console accepts, between them holding every field the plugin knows. */
export const BASES: Record<string, Record<string, unknown>> = {
  'basic-s3': {
    backfill: {reindex_from_snapshot: {docker: null}},
    client_options: {user_agent_extra: 'MigrationAssistant/2.5'},
    kafka: {broker_endpoints: 'kafka:9092', standard: null},
    metadata_migration: {cluster_awareness_attributes: 0, from_snapshot: null},
    metrics_source: {prometheus: {endpoint: 'http://prometheus:9090'}},
    replay: {docker: null},
    snapshot: {
      mode: 'create',
      otel_metrics_endpoint: 'http://otel:4317',
      otel_trace_endpoint: 'http://otel:4317',
      s3: {
        aws_region: 'us-east-1',
        endpoint: 'http://s3.example:9000',
        repo_uri: 's3://migration-bucket/base',
        role: 'arn:aws:iam::123456789012:role/snapshot-role',
      },
      snapshot_name: 'rfs-snapshot',
      snapshot_repo_name: 'migration_assistant_repo',
      solr_collections: ['books'],
    },
    source_cluster: {
      allow_insecure: true,
      basic_auth: {password: BASE_SECRETS[0], username: 'admin'},
      endpoint: 'https://source.example:9200',
      proxy: {allow_insecure: true, endpoint: 'https://proxy.example:9200', name: 'capture-proxy'},
      sigv4_signing_endpoint: 'https://signing.example',
      version: 'ES_7.10',
    },
    target_cluster: target,
  },
  'no-auth-fs-alias': {
    snapshot: {fs: {repo_path: '/snapshots'}, snapshot_name: 'rfs-snapshot'},
    source: {endpoint: 'http://source.example:9200', no_auth: null},
    target,
  },
  'secret-arn': {
    source_cluster: {basic_auth: {user_secret_arn: BASE_SECRETS[1]}, endpoint: 'https://source.example:9200'},
  },
  'secret-k8s': {
    source_cluster: {basic_auth: {k8s_secret_name: BASE_SECRETS[2]}, endpoint: 'https://source.example:9200'},
  },
  'sigv4-gcs': {
    snapshot: {gcs: {endpoint: 'http://gcs.example:4443', repo_uri: 'gs://migration-bucket/base'}, snapshot_name: 's'},
    source_cluster: {endpoint: 'https://source.example', sigv4: {region: 'us-east-1', service: 'es'}},
  },
}

/** The document paths of the plugin's fields (`cluster` is the source cluster, under either of its names). */
function fieldPaths(base: Record<string, unknown>): string[][] {
  const paths: string[][] = []
  const visit = (section: string, at: string[], value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return
    for (const field of KNOWN_FIELDS[section] ?? []) {
      if (!(field in value)) continue
      const child =
        section === '' ? (['source', 'source_cluster'].includes(field) ? 'cluster' : field) : `${section}.${field}`
      paths.push([...at, field])
      if (section !== '' || KNOWN_FIELDS[child]) visit(child, [...at, field], (value as Record<string, unknown>)[field])
    }
  }

  visit('', [], base)
  return paths
}

export interface FieldCase {
  base: string
  id: string
  path: string[]
  /** The whole file, as JSON (which both YAML readers take alike). */
  text: string
  value: unknown
}

function withValue(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(base)
  let at = copy
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>
  at[path.at(-1)!] = value
  return copy
}

export function fieldCases(): FieldCase[] {
  const cases: FieldCase[] = []
  for (const [name, base] of Object.entries(BASES))
    for (const path of fieldPaths(base))
      for (const value of FIELD_VALUES)
        cases.push({
          base: name,
          id: `${name}:${path.join('.')}=${JSON.stringify(value)}`,
          path,
          text: JSON.stringify(withValue(base, path, value), null, 1),
          value,
        })
  return cases
}

// `npx tsx test/helpers/services-cases.ts FILE`: the cases (and bases) as JSON, for scripts/console-verdicts.py.
if (process.argv[1] === fileURLToPath(import.meta.url))
  writeFileSync(
    process.argv[2],
    JSON.stringify({
      bases: Object.fromEntries(Object.entries(BASES).map(([n, b]) => [n, JSON.stringify(b)])),
      cases: fieldCases(),
    }),
  )
