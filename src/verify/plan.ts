import type {ClusterAuth} from '../services/model.js'
import {METADATA_ONLY_SNAPSHOT, repositoryBody} from '../cluster/snapshots.js'
import {repositoryKeyPrefix} from '../repository/ownership.js'
import type {VerifyRequest} from './context.js'
import {testLocationFor} from './context.js'

/** Credentials as a reader may see them in a printed command: names of secrets, never values. */
function curlAuth(auth: ClusterAuth): string {
  switch (auth.kind) {
    case 'none':
      return ''
    case 'basic':
      return ` -u '${auth.username}:<password>'`
    case 'basic-secret':
      return " -u '<username>:<password from the secret>'"
    case 'sigv4':
      return ` --aws-sigv4 'aws:amz:${auth.region ?? '$AWS_REGION'}:${auth.service}' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`
  }
}

/** `--dry-run`: the seed's procedure for this run, as the curl and aws commands a person would type. */
export function verificationPlan(request: VerifyRequest, cluster: {endpoint: string; auth: ClusterAuth}): string[] {
  const curl = (method: string, path: string, body?: unknown) =>
    `curl -X ${method} "${cluster.endpoint}${path}"${curlAuth(cluster.auth)}${body === undefined ? '' : ` -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`}`
  const location = testLocationFor(request.storage, request.repository)
  const commands = [curl('GET', '/')]
  const storage = request.storage
  if (storage.kind === 's3') {
    const aws = `aws${storage.endpoint ? ` --endpoint-url ${storage.endpoint}` : ''}`
    const prefix = repositoryKeyPrefix(location)
    commands.push(curl('GET', '/_nodes/plugins'))
    commands.push(`${aws} s3api head-bucket --bucket ${storage.bucket} --region ${storage.region}`)
    if (request.createBucket)
      commands.push(
        `${aws} s3api create-bucket --bucket ${storage.bucket} --region ${storage.region}${storage.region === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${storage.region}`}`,
      )
    const probe = `${prefix}verify-probe`
    commands.push(
      `echo probe | ${aws} s3 cp - s3://${storage.bucket}/${probe}`,
      `${aws} s3api list-objects-v2 --bucket ${storage.bucket} --prefix ${probe}`,
      `${aws} s3 cp s3://${storage.bucket}/${probe} -`,
      `${aws} s3 rm s3://${storage.bucket}/${probe}`,
    )
  }
  const snapshotPath = `/_snapshot/${request.repository}/${request.snapshot}`
  commands.push(
    curl('PUT', `/_snapshot/${request.repository}`, repositoryBody(storage, location)),
    curl('PUT', `${snapshotPath}?wait_for_completion=true`, METADATA_ONLY_SNAPSHOT),
  )
  if (storage.kind === 's3') {
    const aws = `aws${storage.endpoint ? ` --endpoint-url ${storage.endpoint}` : ''}`
    commands.push(`${aws} s3 ls s3://${storage.bucket}/${repositoryKeyPrefix(location)}   # newest index-N lists the snapshot; snap-<uuid>.dat and meta-<uuid>.dat exist`)
  } else commands.push(`ls ${location}   # newest index-N lists the snapshot; snap-<uuid>.dat and meta-<uuid>.dat exist`)
  if (!request.keep) {
    commands.push(curl('DELETE', snapshotPath), curl('DELETE', `/_snapshot/${request.repository}`))
    if (storage.kind === 's3') {
      const aws = `aws${storage.endpoint ? ` --endpoint-url ${storage.endpoint}` : ''}`
      commands.push(`${aws} s3 rm s3://${storage.bucket}/${repositoryKeyPrefix(location)} --recursive`)
      if (request.createBucket) commands.push(`${aws} s3api delete-bucket --bucket ${storage.bucket} --region ${storage.region}`)
    } else commands.push(`rm -r ${location}`)
  }
  return commands
}
