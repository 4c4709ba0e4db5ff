import type {S3Storage} from '../services/model.js'
import type {LocationShell} from './files.js'

import {shellQuote} from '../format.js'
import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'

/** A bucket's location as the AWS CLI reaches it (through the same endpoint as the console's own client). */
export function s3Shell(storage: S3Storage): LocationShell {
  const aws = `aws${storage.endpoint ? ` --endpoint-url ${shellQuote(storage.endpoint)}` : ''}`
  const url = (key: string) => shellQuote(`s3://${storage.bucket}/${key}`)
  const prefix = repositoryKeyPrefix(storage.basePath)
  const bucket = `--bucket ${shellQuote(storage.bucket)}`
  const region = `--region ${shellQuote(storage.region)}`
  const atRegion =
    storage.region === 'us-east-1'
      ? ''
      : ` --create-bucket-configuration LocationConstraint=${shellQuote(storage.region)}`
  return {
    bucket: {
      create: {command: `${aws} s3api create-bucket ${bucket} ${region}${atRegion}`},
      delete: {command: `${aws} s3api delete-bucket ${bucket} ${region}`},
      head: {command: `${aws} s3api head-bucket ${bucket} ${region}`},
      probe(file) {
        const key = `${prefix}${file}`
        return [
          {command: `echo probe | ${aws} s3 cp - ${url(key)}`},
          {command: `${aws} s3api list-objects-v2 ${bucket} --prefix ${shellQuote(key)}`},
          {command: `${aws} s3 cp ${url(key)} -`},
          {command: `${aws} s3 rm ${url(key)}`},
        ]
      },
    },
    list: () => ({command: `${aws} s3 ls ${url(prefix)}`}),
    listEmpty: () => ({
      command: `${aws} s3api list-objects-v2 ${bucket} --prefix ${shellQuote(prefix)} --max-items 1`,
      note: 'must list nothing',
    }),
    removeAll: () => ({command: `${aws} s3 rm ${url(prefix)} --recursive`}),
  }
}

/** A shared directory as a person on a node (or on a console that mounts it) lists and removes it. */
export function fsShell(directory: string): LocationShell {
  const quoted = shellQuote(directory)
  return {
    list: () => ({command: `ls ${quoted}`}),
    listEmpty: () => ({command: `ls -A ${quoted}`, note: 'must be empty or absent'}),
    removeAll: () => ({command: `rm -r ${quoted}`}),
  }
}
