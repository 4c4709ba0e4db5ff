import type {DiagnosisRule} from './rule.js'

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])

/** The console cannot reach or is refused by the cluster: TLS, DNS, refused, reset, timeouts, 401/403. */
export const CLUSTER_CONNECTION_ROWS = [
  {
    cause: (facts) => `The cluster's TLS certificate is not trusted (${facts.code}), e.g. self-signed.`,
    code: 'tls-untrusted',
    matches: (facts) => facts.code !== undefined && TLS_CODES.has(facts.code),
    remediation: () =>
      'Add the issuing CA to NODE_EXTRA_CA_CERTS, or set `allow_insecure: true` under source_cluster: that skips certificate verification, so anyone on the network path could impersonate the cluster.',
  },
  {
    cause: (facts) => `Nothing accepts connections at ${String(facts.details.endpoint)}.`,
    code: 'cluster-refused',
    matches: (facts) => facts.code === 'ECONNREFUSED',
    remediation: () =>
      'Check source_cluster.endpoint (host and port) and that the cluster is running; from the console, `curl -v <endpoint>` shows the same.',
  },
  {
    cause: (facts) => `The host name of ${String(facts.details.endpoint)} cannot be resolved.`,
    code: 'cluster-dns',
    matches: (facts) => facts.code === 'ENOTFOUND' || facts.code === 'EAI_AGAIN',
    remediation: () =>
      "Check the spelling of source_cluster.endpoint and the console's DNS (VPC DNS settings, /etc/resolv.conf).",
  },
  {
    cause: (facts) => `The cluster at ${String(facts.details.endpoint)} did not answer in time.`,
    code: 'cluster-timeout',
    matches: (facts) => facts.code === 'ETIMEDOUT',
    remediation: () =>
      "Check that the console may reach the cluster (security groups, network ACLs, VPC peering) and the cluster's load.",
  },
  {
    cause: 'The connection to the cluster was cut in the middle of a request.',
    code: 'cluster-connection-reset',
    matches: (facts) => facts.code === 'ECONNRESET' || facts.code === 'EPIPE',
    remediation: () =>
      'Run the command again; if it repeats, check load balancers and proxies between the console and the cluster (idle timeouts, http vs https).',
  },
  {
    cause: 'The cluster rejected the credentials (401).',
    code: 'cluster-unauthorized',
    matches: (facts) => facts.source === 'cluster' && facts.status === 401,
    remediation: () => 'Check source_cluster.basic_auth (username/password or the secret behind user_secret_arn).',
  },
  {
    cause: (facts) =>
      /credential should be scoped|signature/i.test(facts.text)
        ? 'The cluster rejected the request signature: the sigv4 region or service does not match the domain.'
        : "The cluster's security denied the request (403).",
    code: 'cluster-forbidden',
    matches: (facts) => facts.source === 'cluster' && facts.status === 403,
    remediation: () =>
      "For sigv4, set source_cluster.sigv4.region to the domain's region and service to es (aoss for serverless); otherwise map the console's user or role to a role with snapshot permissions (cluster:admin/repository/*, cluster:admin/snapshot/*).",
  },
] as const satisfies readonly DiagnosisRule[]
