import type { TestProject } from 'vitest/node';
import { findPostgresBin, type PostgresCluster, startPostgresCluster } from './support/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL, or null when none is available (never under CI=true). */
    pgAdminUrl: string | null;
  }
}

/**
 * Starts one throwaway PostgreSQL cluster for the whole run (or uses
 * FLEETPORT_TEST_DATABASE_URL). Without PostgreSQL, the PostgreSQL suites are skipped
 * with one line — except under CI=true, where that is a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.FLEETPORT_TEST_DATABASE_URL;
  if (given) {
    project.provide('pgAdminUrl', given);
    return async () => {};
  }
  const bin = findPostgresBin();
  if (!bin) {
    if (process.env.CI === 'true') {
      throw new Error(
        'PostgreSQL is not installed and CI=true: install postgresql or set FLEETPORT_TEST_DATABASE_URL',
      );
    }
    process.stdout.write(
      'PostgreSQL not found: skipping the PostgreSQL suites (install postgresql to run them)\n',
    );
    project.provide('pgAdminUrl', null);
    return async () => {};
  }
  let cluster: PostgresCluster;
  try {
    cluster = await startPostgresCluster(bin);
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`could not start a PostgreSQL cluster from ${bin}: ${detail}`);
  }
  project.provide('pgAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
