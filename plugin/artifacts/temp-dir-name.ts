// The name of a job attempt's temp folder under tmp/, and the job it belongs to: the storage
// janitor must never sweep the folder of a job that is still running, however quiet it is.

export function jobTempName(jobId: string, attempt: number, nonce: string): string {
  return `job-${jobId}-a${attempt}-${nonce}`;
}

/** The job id in a name made by jobTempName; null for anything else in tmp/. */
export function jobIdOfTempName(name: string): string | null {
  return /^job-(.+)-a\d+-[0-9a-f]+$/.exec(name)?.[1] ?? null;
}
