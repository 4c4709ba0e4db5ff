#!/usr/bin/env node
// Provokes known failures on the local engines and keeps their real error bodies as test fixtures.
// Run through scripts/with-engines; writes test/fixtures/responses/captured-*.json.
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/responses')
const opensearch = process.env.OPENSEARCH_URL
const elasticsearch = process.env.ELASTICSEARCH_URL
const s3 = process.env.S3_ENDPOINT

async function call(base, method, url, body) {
  const answer = await fetch(`${base}${url}`, {
    method,
    headers: {'content-type': 'application/json'},
    body: body && JSON.stringify(body),
  })
  return {status: answer.status, body: await answer.json()}
}

async function capture(name, engine, base, provoke) {
  if (!base) return console.log(`skipped ${name}: ${engine} is not running`)
  const {status, body} = await provoke(base)
  if (status < 400) throw new Error(`${name}: expected an error, got ${status}`)
  const version = (await call(base, 'GET', '/')).body.version.number
  writeFileSync(
    path.join(out, `captured-${name}.json`),
    `${JSON.stringify({engine: `${engine} ${version}`, status, body}, null, 2)}\n`,
  )
  console.log(`captured ${name} from ${engine} ${version}: ${body.error?.type}`)
}

await fetch(`${s3}/capture-bucket`, {method: 'PUT'})
await capture('plugin-missing', 'Elasticsearch', elasticsearch, (base) =>
  call(base, 'PUT', '/_snapshot/capture_s3', {type: 's3', settings: {bucket: 'capture-bucket', region: 'us-east-1'}}),
)
await capture('path-repo-not-set', 'Elasticsearch', elasticsearch, (base) =>
  call(base, 'PUT', '/_snapshot/capture_fs', {type: 'fs', settings: {location: '/not/in/path/repo'}}),
)
await capture('path-repo-not-set-opensearch', 'OpenSearch', opensearch, (base) =>
  call(base, 'PUT', '/_snapshot/capture_fs', {type: 'fs', settings: {location: '/not/in/path/repo'}}),
)
await capture('bucket-missing', 'OpenSearch', opensearch, (base) =>
  call(base, 'PUT', '/_snapshot/capture_nobucket', {
    type: 's3',
    settings: {bucket: 'capture-no-such-bucket', region: 'us-east-1'},
  }),
)
await capture('name-conflict', 'OpenSearch', opensearch, async (base) => {
  await call(base, 'PUT', '/_snapshot/capture_conflict', {
    type: 's3',
    settings: {bucket: 'capture-bucket', base_path: 'conflict', region: 'us-east-1'},
  })
  await call(base, 'PUT', '/_snapshot/capture_conflict/rfs-snapshot?wait_for_completion=true', {indices: '-*'})
  const conflict = await call(base, 'PUT', '/_snapshot/capture_conflict/rfs-snapshot?wait_for_completion=true', {
    indices: '-*',
  })
  await call(base, 'DELETE', '/_snapshot/capture_conflict/rfs-snapshot')
  await call(base, 'DELETE', '/_snapshot/capture_conflict')
  return conflict
})
await capture('snapshot-missing', 'OpenSearch', opensearch, async (base) => {
  await call(base, 'PUT', '/_snapshot/capture_missing', {
    type: 's3',
    settings: {bucket: 'capture-bucket', base_path: 'missing', region: 'us-east-1'},
  })
  const missing = await call(base, 'GET', '/_snapshot/capture_missing/never-taken')
  await call(base, 'DELETE', '/_snapshot/capture_missing')
  return missing
})
// Files deleted behind the cluster's back do not fail the same way every time (OpenSearch may
// delete or even retake the snapshot from its cached state), so that case is not captured here;
// test/fixtures/responses/observed-*.json hold the two answers OpenSearch 3.6.0 gave when it did fail.
await capture('repository-missing', 'OpenSearch', opensearch, (base) =>
  call(base, 'GET', '/_snapshot/no_such_repository'),
)
