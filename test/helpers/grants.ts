/** One IAM statement: actions on one resource. */
export type Grant = {actions: string[]; resource: string}

/** The grants a remedy names, read from its words: "s3:A, s3:B on arn:…". */
export function grantsOf(remedy: string): Grant[] {
  return [...remedy.matchAll(/((?:s3:\w+(?:, )?)+) on (arn:aws:s3:::[^\s;)]+?)(?=[;.)]?(?:\s|$))/g)].map((match) => ({
    actions: match[1].split(', ').map((action) => action.trim()),
    resource: match[2],
  }))
}
