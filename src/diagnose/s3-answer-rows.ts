import type {DiagnosisRule} from './rule.js'

/** What answered at the S3 endpoint was not S3: no bucket fact and no S3 remedy applies. */
export const S3_ANSWER_ROWS = [
  {
    cause: (facts) =>
      `What answers at the S3 endpoint is not an S3 API: ${facts.reason.replace(/^\w+ failed: NotS3Answer: /, '')}. Nothing was created there.`,
    code: 's3-endpoint-not-s3',
    matches: (facts) => facts.source === 's3' && facts.name === 'NotS3Answer',
    remediation: () =>
      "Point snapshot.s3.endpoint (or --s3-endpoint) at the store's S3 API (https://s3.<region>.amazonaws.com, or the S3 port of MinIO/Ceph), not at a web page, a load balancer's default page or the source cluster's URL; `curl -si <endpoint>/<bucket>` shows what answers there (S3 answers with an x-amz-request-id header and XML).",
  },
] as const satisfies readonly DiagnosisRule[]
