// A prune report as the few lines `media-lab prune` prints and scheduled retention logs.
import type { PruneReport } from './prune.js';

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

export function describePrune(report: PruneReport): string {
  const p = report.promptArtifacts;
  const l = report.labArtifacts;
  const verb = report.dryRun ? 'would remove' : 'removed';
  return [
    `prune${report.dryRun ? ' (dry run: nothing removed)' : ''}: artifacts created before ${report.cutoff}`,
    `  prompt artifacts: ${p.skipped ? `skipped (${p.skipped})` : `${verb} ${p.rows} rows of ${p.prompts} prompts, ${p.files} files, ${megabytes(p.bytes)}; kept ${p.keptReferenced} files still referenced`}`,
    `  Media Lab artifacts: ${l.skipped ? `skipped (${l.skipped})` : `${verb} ${l.rows} rows, ${l.files} files, ${megabytes(l.bytes)}; kept ${l.keptReferenced} still referenced and ${l.keptSources} uploaded sources`}`,
    `  ${report.dryRun ? 'would free' : 'freed'} ${megabytes(report.bytes)}`,
  ].join('\n');
}
