// The floor of emptying a prefix: a bare paginated listing and 1,000-key DeleteObjects batches,
// 10 in flight (or the fifth argument), with the AWS SDK and nothing else (no cluster, no plan, no
// ownership rule).
import {DeleteObjectsCommand, ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'

const [endpoint, region, bucket, prefix, inFlightArgument = '10'] = process.argv.slice(2)
const inFlightLimit = Number(inFlightArgument)
const s3 = new S3Client({endpoint, forcePathStyle: true, region, requestChecksumCalculation: 'WHEN_REQUIRED'})
const inFlight = new Set()
let token
let deleted = 0
do {
  const page = await s3.send(new ListObjectsV2Command({Bucket: bucket, ContinuationToken: token, Prefix: prefix}))
  const keys = (page.Contents ?? []).map(({Key}) => ({Key}))
  if (keys.length > 0) {
    const task = s3
      .send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: keys, Quiet: true}}))
      .then((answer) => {
        if (answer.Errors?.length) throw new Error(`${answer.Errors.length} key(s) not deleted`)
        deleted += keys.length
      })
    inFlight.add(task)
    task.finally(() => inFlight.delete(task)).catch(() => {})
    if (inFlight.size >= inFlightLimit) await Promise.race(inFlight)
  }
  token = page.IsTruncated ? page.NextContinuationToken : undefined
} while (token)
await Promise.all(inFlight)
process.stdout.write(`${deleted}\n`)
