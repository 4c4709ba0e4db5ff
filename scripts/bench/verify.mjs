// The verify figures: verify end to end against the guide's manual curl/aws steps, and verify with shard
// data against metadata-only verify and the cluster's own snapshot of the same index.
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {
  cli,
  createScratchBucket,
  measured,
  mib,
  median,
  ms,
  removeBucket,
  root,
  scratch,
  timeOnce,
  verdict,
  verifyArgv,
} from './measure.mjs'

/** `aws` is the AWS CLI's path (found on PATH by the caller). */
export function verifyAgainstManual(local, {aws, runs}) {
  const services = path.join(scratch, 'services.yaml')
  const samples = {verify: [], manual: []}
  const suffix = Math.random().toString(36).slice(2, 8)
  for (let run = 0; run < runs; run++) {
    writeFileSync(
      services,
      `source_cluster:\n  endpoint: ${local.cluster}\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://bench-verify-${suffix}-${run}/base\n    aws_region: ${local.region}\n    endpoint: ${local.s3}\n`,
    )
    samples.verify.push(
      timeOnce(
        process.execPath,
        [cli, 'snapshot', 'verify', '--config-file', services, '--create-bucket', '--metadata-only', '--no-prompt'],
        local.env,
      ),
    )
    samples.manual.push(
      timeOnce(
        'bash',
        [
          path.join(root, 'scripts/bench/manual-verify.sh'),
          local.cluster,
          local.s3,
          `bench-manual-${suffix}-${run}`,
          local.region,
        ],
        {...local.env, AWS_CLI: aws},
      ),
    )
  }
  const ratio = median(samples.verify) / median(samples.manual)
  console.log(`\nverify end to end vs the guide's curl/aws steps (median of ${runs}, OpenSearch + S3 on loopback)`)
  console.log(
    `  console snapshot verify --metadata-only  ${ms(median(samples.verify)).padStart(8)}  (the guide's snapshot, proven in the bucket)`,
  )
  console.log(
    `  manual curl + aws script                 ${ms(median(samples.manual)).padStart(8)}  (no proof, no diagnosis)`,
  )
  console.log(`  ratio ${ratio.toFixed(2)}x (target <= 1x: ${verdict(ratio <= 1)})`)
}

/** A 1-shard index of about `mebibytes` MiB of barely compressible text, flushed into segments. */
async function benchIndex(local, index, mebibytes) {
  const call = (method, requestPath, body, type = 'application/json') =>
    fetch(`${local.cluster}${requestPath}`, {body, headers: {'content-type': type}, method}).then(async (answer) => {
      if (!answer.ok) throw new Error(`${method} ${requestPath}: ${answer.status} ${await answer.text()}`)
      return answer.json()
    })
  await call('PUT', `/${index}`, JSON.stringify({settings: {number_of_replicas: 0, number_of_shards: 1}}))
  const documents = mebibytes * 64
  for (let batch = 0; batch < documents; batch += 256) {
    const lines = []
    for (let document = batch; document < Math.min(documents, batch + 256); document++)
      lines.push(JSON.stringify({index: {_id: String(document)}}), JSON.stringify({text: randomText(16 * 1024)}))
    await call('POST', `/${index}/_bulk`, `${lines.join('\n')}\n`, 'application/x-ndjson')
  }
  await call('POST', `/${index}/_refresh`)
  await call('POST', `/${index}/_forcemerge?max_num_segments=1`)
  await call('POST', `/${index}/_flush`)
  const [stats] = await call('GET', `/_cat/indices/${index}?format=json&bytes=b&h=pri.store.size`)
  return Number(stats['pri.store.size'])
}

function randomText(length) {
  let text = ''
  while (text.length < length) text += Math.random().toString(36).slice(2)
  return text.slice(0, length)
}

/**
 * verify with shard data beside metadata-only verify and beside the cluster's own snapshot of the same
 * index (the time the nodes need to write it), interleaved round by round on one bucket.
 */
export async function shardDataVerify(local, mebibytes, runs) {
  const suffix = Math.random().toString(36).slice(2, 8)
  const bucket = `bench-shard-${suffix}`
  const index = `bench-shard-${suffix}`
  const s3 = await createScratchBucket(local, bucket)
  const samples = {data: [], metadata: [], cluster: []}
  let readBack = ''
  try {
    const bytes = await benchIndex(local, index, mebibytes)
    const verify = (extra) =>
      verifyArgv(local, local.cluster, bucket, [
        // Where the deployed backfill reads on S3 (OpenSearch 3.x's hashed prefixes fail its read-back).
        '--shard-path-type',
        'FIXED',
        '--no-prompt',
        ...extra,
      ])
    for (let run = 0; run < runs; run++) {
      const started = process.hrtime.bigint()
      const result = spawnSync(process.execPath, [...verify(['--index', index, '--json'])], {
        env: {...process.env, ...local.env},
        encoding: 'utf8',
      })
      samples.data.push(Number(process.hrtime.bigint() - started) / 1e6)
      if (result.status !== 0) throw new Error(`verify --index exited ${result.status}: ${result.stdout}`)
      readBack = JSON.parse(result.stdout).result.steps.find((step) => step.name === 'read-back').detail
      samples.metadata.push(timeOnce(process.execPath, verify(['--metadata-only']), local.env))
      // The cluster's own snapshot of the same index into the same store, on a fresh repository.
      const repository = `bench_own_${suffix}_${run}`
      const cluster = (method, requestPath, body) =>
        fetch(`${local.cluster}${requestPath}`, {
          body: body && JSON.stringify(body),
          headers: {'content-type': 'application/json'},
          method,
        }).then((answer) => answer.json())
      await cluster('PUT', `/_snapshot/${repository}`, {
        settings: {base_path: `own/${run}`, bucket, compress: false, endpoint: local.s3, region: local.region},
        type: 's3',
      })
      const snapshotStarted = process.hrtime.bigint()
      const taken = await cluster('PUT', `/_snapshot/${repository}/s?wait_for_completion=true`, {
        include_global_state: true,
        indices: index,
      })
      samples.cluster.push(Number(process.hrtime.bigint() - snapshotStarted) / 1e6)
      if (taken.snapshot?.state !== 'SUCCESS') throw new Error(`the cluster's own snapshot: ${JSON.stringify(taken)}`)
      await cluster('DELETE', `/_snapshot/${repository}/s`)
      await cluster('DELETE', `/_snapshot/${repository}`)
    }

    // Flat memory: the read-back streams, so verify with data needs about what metadata-only needs.
    const memory = {
      data: measured(process.execPath, verify(['--index', index]), local.env).peakKiB,
      metadata: measured(process.execPath, verify(['--metadata-only']), local.env).peakKiB,
    }
    const ratio = median(samples.data) / median(samples.metadata)
    console.log(
      `\nverify with shard data (median of ${runs}, OpenSearch + S3 on loopback, index of ${(bytes / 1024 / 1024).toFixed(1)} MiB)`,
    )
    console.log(`  verify --index (snapshot + read-back)     ${ms(median(samples.data)).padStart(8)}`)
    console.log(`  verify --metadata-only                    ${ms(median(samples.metadata)).padStart(8)}`)
    console.log(`  the cluster's own snapshot of the index   ${ms(median(samples.cluster)).padStart(8)}`)
    console.log(`  read-back of the last run: ${readBack}`)
    console.log(`  peak memory: ${mib(memory.data)} with data, ${mib(memory.metadata)} metadata-only`)
    console.log(`  ratio data / metadata-only ${ratio.toFixed(2)}x (target <= 1.5x: ${verdict(ratio <= 1.5)})`)
  } finally {
    await fetch(`${local.cluster}/${index}`, {method: 'DELETE'})
    await removeBucket(s3, bucket)
  }
}
