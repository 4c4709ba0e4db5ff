import type {DiagnosisRule} from './rule.js'

const indicesOf = (details: Record<string, unknown>) =>
  Array.isArray(details.indices) ? (details.indices as string[]) : []

/** What makes the migration's own snapshot (`_all`) fail, found before anything is written. */
export const SCOPE_ROWS = [
  {
    cause: (facts) =>
      `The migration's snapshot takes every open index (indices _all, without partial), and an index whose primary shard is not allocated makes the cluster refuse it with "Indices don't have primary shards [${indicesOf(facts.details).join(', ')}]".`,
    check: 'scope-primary-unallocated',
    code: 'scope-primary-unallocated',
    docs: 'https://opensearch.org/docs/latest/api-reference/cluster-api/cluster-allocation/',
    remediation(facts) {
      const first = indicesOf(facts.details)[0] ?? '<index>'
      return `Find why the primary is not allocated (\`GET _cluster/allocation/explain\` with {"index": "${first}", "shard": 0, "primary": true}) and fix it (e.g. an index.routing.allocation.* filter, disk watermarks, a lost node); or, if the index need not be migrated, close it (\`POST ${first}/_close\`: a closed index is left out of the snapshot) or delete it.`
    },
  },
] as const satisfies readonly DiagnosisRule[]
