/** A location this plugin knows it cannot prove anything about: why, and what to do instead. */
export class LocationRefused extends Error {
  constructor(
    message: string,
    readonly actions: string[] = [],
  ) {
    super(message)
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
