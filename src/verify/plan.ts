import type {ClusterAuth} from '../services/model.js'
import type {VerifyRequest} from './context.js'

import {indexSnapshotBody, METADATA_ONLY_SNAPSHOT, repositoryPath} from '../cluster/snapshots.js'
import {Locations} from '../location/open.js'
import {pathSegment} from '../names.js'
import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'
import {testIndexName} from '../verify-names.js'

/** One shell word: as it is when it holds nothing a shell would read, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_\-.:/=@%+,]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}

/** Credentials as a reader may see them in a printed command: names of secrets, never values. */
function curlAuth(auth: ClusterAuth): string {
  switch (auth.kind) {
    case 'basic': {
      return ` -u ${shellQuote(`${auth.username}:<password>`)}`
    }

    case 'basic-k8s':
    case 'basic-secret': {
      return " -u '<username>:<password from the secret>'"
    }

    case 'none': {
      return ''
    }

    case 'sigv4': {
      return ` --aws-sigv4 ${shellQuote(`aws:amz:${auth.region ?? '$AWS_REGION'}:${auth.service}`)} --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`
    }
  }
}

/** The index the test snapshot copies, as a reader of the plan would find it, and the commands that find or make it. */
function dataIndexPlan(request: VerifyRequest, curl: (method: string, path: string, body?: unknown) => string) {
  const choice = request.shardData ?? {mode: 'metadata-only'}
  switch (choice.mode) {
    case 'create': {
      const index = testIndexName(request.runId)
      return {
        commands: [
          `${curl('GET', '/_nodes?filter_path=nodes.*.roles')}   # N = the nodes with a data role`,
          `${curl('PUT', `/${index}`, {settings: {index: {number_of_replicas: 0, number_of_shards: 'N', 'routing.allocation.total_shards_per_node': 1}}})}   # one primary on each data node`,
          `${curl('PUT', `/${index}/_doc/1`, {body: 'console snapshot verify test document'})}   # and four more`,
        ],
        created: true,
        index,
      }
    }

    case 'index': {
      return {commands: [], index: choice.index}
    }

    case 'metadata-only': {
      return {commands: [], index: undefined}
    }

    case 'smallest': {
      return {
        commands: [
          `${curl('GET', '/_cat/indices?format=json&bytes=b')}   # the smallest open index with documents whose pri.store.size is under ${choice.maxIndexBytes} bytes`,
          `${curl('GET', '/_cat/shards?format=json&h=index,shard,prirep,state,id,node')}   # on several data nodes: the fewest such indices whose primaries sit on every data node`,
        ],
        index: '<that index>',
      }
    }
  }
}

/** `--dry-run`: the seed's procedure for this run, as the curl and aws commands a person would type (every value shell-quoted). */
export function verificationPlan(request: VerifyRequest, cluster: {auth: ClusterAuth; endpoint: string}): string[] {
  const curl = (method: string, path: string, body?: unknown) =>
    `curl -X ${method} ${shellQuote(`${cluster.endpoint}${path}`)}${curlAuth(cluster.auth)}${body === undefined ? '' : ` -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))}`}`
  // A dry run reaches no bucket: its location is only described.
  const test = new Locations(() => Promise.reject(new Error('a dry run sends nothing')))
    .of(request.storage)
    .child(request.repository)
  const location = test.record().kind === 's3' ? (test.facts.basePath ?? '') : test.describe()
  const commands = [curl('GET', '/')]
  const {storage} = request
  const snapshotPath = `${repositoryPath(request.repository)}/${pathSegment(request.snapshot)}`
  const data = dataIndexPlan(request, curl)
  commands.push(...data.commands)
  const snapshotBody = data.index ? indexSnapshotBody(data.index) : METADATA_ONLY_SNAPSHOT
  const readBack = data.index
    ? [
        "# then read back, with these credentials, each shard's snap-<uuid>.dat under indices/<id>/<shard>/ (or the hashed prefix named in snapshot_shard_paths/) and every file it lists, checking length and Lucene checksum",
      ]
    : []
  if (storage.kind === 's3') {
    const aws = `aws${storage.endpoint ? ` --endpoint-url ${shellQuote(storage.endpoint)}` : ''}`
    const s3Url = (key: string) => shellQuote(`s3://${storage.bucket}/${key}`)
    const prefix = repositoryKeyPrefix(location)
    const probe = `${prefix}verify-probe`
    const bucket = `--bucket ${shellQuote(storage.bucket)}`
    const region = `--region ${shellQuote(storage.region)}`
    commands.push(curl('GET', '/_nodes/plugins'), `${aws} s3api head-bucket ${bucket} ${region}`)
    if (request.createBucket)
      commands.push(
        `${aws} s3api create-bucket ${bucket} ${region}${storage.region === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${shellQuote(storage.region)}`}`,
      )
    commands.push(
      `${aws} s3api list-objects-v2 ${bucket} --prefix ${shellQuote(prefix)} --max-items 1   # must list nothing: verify works only on an empty location`,
      `echo probe | ${aws} s3 cp - ${s3Url(probe)}`,
      `${aws} s3api list-objects-v2 ${bucket} --prefix ${shellQuote(probe)}`,
      `${aws} s3 cp ${s3Url(probe)} -`,
      `${aws} s3 rm ${s3Url(probe)}`,
      curl('PUT', repositoryPath(request.repository), test.registrationBody({shardPathType: request.shardPathType})),
      curl('PUT', `${snapshotPath}?wait_for_completion=true`, snapshotBody),
      `${aws} s3 ls ${s3Url(prefix)}   # newest index-N lists the snapshot; snap-<uuid>.dat and meta-<uuid>.dat exist`,
      ...readBack,
    )
    if (!request.keep) {
      commands.push(
        curl('DELETE', snapshotPath),
        ...('created' in data ? [curl('DELETE', `/${data.index}`)] : []),
        curl('DELETE', repositoryPath(request.repository)),
        `${aws} s3 rm ${s3Url(prefix)} --recursive   # the test repository's own files`,
      )
      if (request.createBucket) commands.push(`${aws} s3api delete-bucket ${bucket} ${region}`)
    }

    return commands
  }

  commands.push(
    `ls -A ${shellQuote(location)}   # must be empty or absent: verify works only on an empty location`,
    curl('PUT', repositoryPath(request.repository), test.registrationBody({shardPathType: request.shardPathType})),
    curl('PUT', `${snapshotPath}?wait_for_completion=true`, snapshotBody),
    `ls ${shellQuote(location)}   # newest index-N lists the snapshot; snap-<uuid>.dat and meta-<uuid>.dat exist`,
    ...readBack,
  )
  if (!request.keep)
    commands.push(
      curl('DELETE', snapshotPath),
      ...('created' in data ? [curl('DELETE', `/${data.index}`)] : []),
      curl('DELETE', repositoryPath(request.repository)),
      `rm -r ${shellQuote(location)}`,
    )
  return commands
}
