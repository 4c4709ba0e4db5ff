// verify on the engines' 3-node OpenSearch cluster beside the single node: the same data (one primary per
// node there, one primary here), the same bucket, runs interleaved. The cluster is started here unless it
// runs (scripts/engines start-cluster) and then stopped here again, by pid.
import {execFileSync, spawnSync} from 'node:child_process'
import path from 'node:path'

import {createScratchBucket, median, ms, removeBucket, verifyArgv} from './measure.mjs'

function clusterUrl(engines) {
  try {
    const text = execFileSync('bash', [engines, 'cluster-env'], {stdio: ['ignore', 'pipe', 'ignore']}).toString()
    return /^CLUSTER_URL=(.*)$/m.exec(text)?.[1]
  } catch {
    return undefined
  }
}

async function call(base, method, requestPath, body, type = 'application/json') {
  const answer = await fetch(`${base}${requestPath}`, {body, headers: {'content-type': type}, method})
  if (!answer.ok) throw new Error(`${method} ${requestPath}: ${answer.status} ${await answer.text()}`)
  return answer.json()
}

/** An index of `shards` primaries (at most one a node) and 0 replicas, `documents` small documents, flushed. */
async function makeIndex(base, index, shards, documents) {
  const spread = shards > 1 ? {'routing.allocation.total_shards_per_node': 1} : {}
  await call(
    base,
    'PUT',
    `/${index}`,
    JSON.stringify({settings: {index: {number_of_replicas: 0, number_of_shards: shards, ...spread}}}),
  )
  const lines = []
  for (let document = 0; document < documents; document++)
    lines.push(
      JSON.stringify({index: {_id: String(document)}}),
      JSON.stringify({text: `document ${document} `.repeat(64)}),
    )
  await call(base, 'POST', `/${index}/_bulk`, `${lines.join('\n')}\n`, 'application/x-ndjson')
  await call(base, 'POST', `/${index}/_refresh`)
  await call(base, 'POST', `/${index}/_flush`)
  await call(base, 'GET', `/_cluster/health/${index}?wait_for_status=green&timeout=60s`)
}

export async function verifyOnNodes({engines, local, root, runs}) {
  let url = clusterUrl(engines)
  let started = false
  if (
    !url ||
    !(await fetch(`${url}/_cluster/health`).then(
      (answer) => answer.ok,
      () => false,
    ))
  ) {
    execFileSync('bash', [engines, 'start-cluster'], {stdio: ['ignore', 'inherit', 'inherit']})
    started = true
    url = clusterUrl(engines)
  }
  const suffix = Math.random().toString(36).slice(2, 8)
  const index = `bench-nodes-${suffix}`
  const bucket = `bench-nodes-${suffix}`
  try {
    await makeIndex(url, index, 3, 600)
    await makeIndex(local.cluster, index, 1, 600)
    const verify = (endpoint) => {
      const started = process.hrtime.bigint()
      const result = spawnSync(
        process.execPath,
        verifyArgv(local, endpoint, bucket, ['--index', index, '--shard-path-type', 'FIXED', '--json']),
        {cwd: root, env: {...process.env, ...local.env}, stdio: ['ignore', 'pipe', 'pipe']},
      )
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (result.status !== 0)
        throw new Error(`verify on ${endpoint} exited ${result.status}: ${result.stdout}${result.stderr}`)
      return {elapsed, report: JSON.parse(result.stdout).result}
    }
    const s3 = await createScratchBucket(local, bucket)
    // The floor: the cluster's own snapshot of the same index and its deletion, which verify cannot beat.
    const own = async (base) => {
      const repository = `bench_nodes_own_${suffix}`
      await call(
        base,
        'PUT',
        `/_snapshot/${repository}`,
        JSON.stringify({
          settings: {
            base_path: `own-${base.slice(-5)}`,
            bucket,
            compress: false,
            endpoint: local.s3,
            path_style_access: true,
            protocol: 'http',
            region: local.region,
          },
          type: 's3',
        }),
      )
      const started = process.hrtime.bigint()
      await call(
        base,
        'PUT',
        `/_snapshot/${repository}/own?wait_for_completion=true`,
        JSON.stringify({include_global_state: true, indices: index}),
      )
      await call(base, 'DELETE', `/_snapshot/${repository}/own`)
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      await call(base, 'DELETE', `/_snapshot/${repository}`)
      return elapsed
    }
    const floors = {one: [], three: []}
    const samples = {one: [], three: []}
    let proven = 0
    verify(url) // warm both clusters' caches once
    verify(local.cluster)
    for (let run = 0; run < runs; run++) {
      const three = verify(url)
      samples.three.push(three.elapsed)
      proven = (three.report.nodes ?? []).filter((node) => node.status === 'proven').length
      samples.one.push(verify(local.cluster).elapsed)
      floors.three.push(await own(url))
      floors.one.push(await own(local.cluster))
    }
    await removeBucket(s3, bucket)
    const ratio = median(samples.three) / median(samples.one)
    console.log(
      `\nverify on 3 nodes beside 1 node (median of ${runs}, interleaved; --index of 600 documents, one primary per node there)`,
    )
    console.log(
      `  3-node OpenSearch 3.6 cluster  ${ms(median(samples.three)).padStart(8)}  (${proven} of 3 data nodes proven and read back)`,
    )
    console.log(`  single OpenSearch 3.6 node     ${ms(median(samples.one)).padStart(8)}`)
    console.log(`  ratio ${ratio.toFixed(2)}x (target <= 1.5x: ${ratio <= 1.5 ? 'met' : 'MISSED'})`)
    const [floorThree, floorOne] = [median(floors.three), median(floors.one)]
    console.log(
      `  the cluster's own snapshot of that index and its deletion: ${ms(floorThree)} on 3 nodes, ${ms(floorOne)} on 1 node`,
    )
    console.log(
      `  verify beyond that floor: ${ms(median(samples.three) - floorThree)} on 3 nodes, ${ms(median(samples.one) - floorOne)} on 1 node (${((median(samples.three) - floorThree) / (median(samples.one) - floorOne)).toFixed(2)}x)`,
    )
  } finally {
    await fetch(`${url}/${index}`, {method: 'DELETE'}).catch(() => undefined)
    await fetch(`${local.cluster}/${index}`, {method: 'DELETE'}).catch(() => undefined)
    if (started) execFileSync('bash', [engines, 'stop-cluster'], {stdio: ['ignore', 'inherit', 'inherit']})
  }
}

export const enginesScript = (root) => path.join(root, 'scripts', 'engines')
