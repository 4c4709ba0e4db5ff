import {Refusal} from '../errors.js'

/** A location whose place or ownership this plugin cannot prove: why, and what to do instead. */
export class LocationRefused extends Refusal {
  constructor(message: string, actions: string[] = []) {
    super(message, actions)
    this.name = 'LocationRefused'
  }
}

/** A registration of a type whose files this plugin cannot read (gcs, url, hdfs, azure, ...). */
export class UnsupportedLocationError extends Error {
  constructor(readonly type: string) {
    super(`a ${type} repository: this plugin reads only s3 and fs repositories`)
    this.name = 'UnsupportedLocationError'
  }
}
