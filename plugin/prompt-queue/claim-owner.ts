// Who holds a claim, and whether they still can: a claim marker names its poller
// (`prompt-queue:<host>:<pid>:<nonce>`) and carries a lease that the running poller renews.
// A claim whose poller's process is gone (same host) or whose lease ran out may be adopted.
import { hostname } from 'node:os';
import type { ClaimMarker } from './prompt-rows.js';

export type OwnerState = 'alive' | 'gone' | 'lease expired';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The host and pid a poller name carries, when it is one of ours. */
export function ownerOf(claimedBy: string): { host: string; pid: number } | null {
  const match = /^prompt-queue:(.+):(\d+):[0-9a-f]+$/.exec(claimedBy);
  return match ? { host: match[1], pid: Number(match[2]) } : null;
}

/**
 * `gone`: the owner ran on this host and its process no longer exists. `lease expired`: nobody
 * renewed the lease in time (a marker written before leases existed counts from `claimedAt`
 * plus `claimTimeoutMs`). Otherwise `alive`.
 */
export function ownerState(marker: ClaimMarker, now: number, claimTimeoutMs: number): OwnerState {
  const owner = ownerOf(marker.claimedBy);
  if (owner && owner.host === hostname() && owner.pid !== process.pid && !processExists(owner.pid)) return 'gone';
  const leaseUntil = marker.leaseUntil ? Date.parse(marker.leaseUntil) : Date.parse(marker.claimedAt) + claimTimeoutMs;
  return Number.isFinite(leaseUntil) && leaseUntil < now ? 'lease expired' : 'alive';
}
