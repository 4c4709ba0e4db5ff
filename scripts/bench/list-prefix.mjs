// One paginated listing of a prefix with the AWS SDK, nothing else: the floor a dry run is measured against.
import {ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'

const [endpoint, region, bucket, prefix] = process.argv.slice(2)
const s3 = new S3Client({region, endpoint, forcePathStyle: true})
let token
let count = 0
do {
  const page = await s3.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token}))
  count += page.Contents?.length ?? 0
  token = page.IsTruncated ? page.NextContinuationToken : undefined
} while (token)
process.stdout.write(`${count}\n`)
