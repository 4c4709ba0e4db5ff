import type {DiagnosisRule} from './rule.js'

/** A wait that ended naming the silent side: who cannot reach whom. */
export const ROUTE_ROWS = [
  {
    cause: (facts) =>
      `The cluster's nodes get no answer from ${String(facts.details.store ?? 'the store')}; the console's own route to it works (the bucket, fresh and access steps passed), so the silent route is the nodes'.`,
    check: 'nodes-store-silent',
    code: 'nodes-store-silent',
    remediation: () =>
      "Give the nodes a route to S3: a VPC gateway endpoint for S3 (or a NAT gateway) on the nodes' subnets, security groups and network ACLs that allow HTTPS out, the proxy the nodes use (s3.client.default.proxy.*), and s3.client.default.endpoint / protocol on the nodes; then run verify again.",
  },
  {
    cause: (facts) =>
      `The cluster at ${String(facts.details.endpoint ?? 'the endpoint')} stopped answering the console in the middle of the run.`,
    check: 'cluster-silent',
    code: 'cluster-silent',
    remediation: () =>
      "Check the console's route to the cluster (security groups, network ACLs, VPC peering, a load balancer's idle timeout) and the cluster's load (GET _cluster/health, hot threads), then run verify again.",
  },
] as const satisfies readonly DiagnosisRule[]
