import type { InvariantReport } from '../../harness/invariants';

/** Fails with the offending rows when any SPEC §6 invariant (checkInvariants) does not hold. */
export function expectInvariants(reports: InvariantReport[]): void {
  const failed = reports.filter((report) => !report.ok);
  if (failed.length) throw new Error(`invariants failed:\n${JSON.stringify(failed, null, 2)}`);
}
