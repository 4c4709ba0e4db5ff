#!/usr/bin/env bash
# The migration guide's "Verifying snapshot creation", done by hand as its curl and aws commands,
# for comparison with `console snapshot verify --create-bucket` in `npm run bench`.
# Usage: manual-verify.sh CLUSTER_URL S3_ENDPOINT BUCKET REGION
set -euo pipefail
cluster="$1" endpoint="$2" bucket="$3" region="$4"
aws=("${AWS_CLI:-aws}" --endpoint-url "$endpoint" --region "$region")
json=(-H 'Content-Type: application/json')
"${aws[@]}" s3api create-bucket --bucket "$bucket" >/dev/null
curl -fsS -X PUT "$cluster/_snapshot/test_s3_repository" "${json[@]}" -d "{\"type\":\"s3\",\"settings\":{\"bucket\":\"$bucket\",\"region\":\"$region\"}}" >/dev/null
curl -fsS -X PUT "$cluster/_snapshot/test_s3_repository/test_snapshot_1?wait_for_completion=true" "${json[@]}" \
  -d '{"indices":"","ignore_unavailable":true,"include_global_state":true}' >/dev/null
# "Check the AWS Management Console to confirm that your bucket contains the snapshot."
"${aws[@]}" s3 ls "s3://$bucket/" | grep -q 'snap-'
curl -fsS -X DELETE "$cluster/_snapshot/test_s3_repository/test_snapshot_1" >/dev/null
curl -fsS -X DELETE "$cluster/_snapshot/test_s3_repository" >/dev/null
"${aws[@]}" s3 rm "s3://$bucket" --recursive >/dev/null
"${aws[@]}" s3api delete-bucket --bucket "$bucket"
