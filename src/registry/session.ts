import { createHash } from 'node:crypto';
import { freshAuthState, type AuthState } from './auth.js';
import { connectionPool, type ConnectionPool } from './transport.js';
import type { RegistryAccess } from './types.js';

/**
 * What one job shares with one registry: the connections (one, multiplexed, where the registry speaks HTTP/2) and what
 * the registry said about auth (its scheme, the tokens per scope). The credential check before the build and the
 * verification after it are clients over the same session: one TLS handshake and one `GET /v2/` for the job, not one
 * per stage. Each client keeps its own stage settings (timeouts, retries, deadline).
 */
export interface RegistrySession {
  pool: ConnectionPool;
  auth: AuthState;
}

const sessions = new Map<string, RegistrySession>();

// One session per way of reaching a registry: another CA, trust mode or user is another session. Hashed, so that the
// map's keys hold no password.
function keyOf(access: RegistryAccess): string {
  const { host, scheme, trust, ca = '', username, password } = access;
  return createHash('sha256')
    .update(JSON.stringify([host, scheme, trust, ca, username, password]))
    .digest('hex');
}

/** The job's session with the registry `access` reaches (made on first use). */
export function sharedSession(access: RegistryAccess): RegistrySession {
  const key = keyOf(access);
  let session = sessions.get(key);
  if (!session) {
    session = { pool: connectionPool(access), auth: freshAuthState() };
    sessions.set(key, session);
  }
  return session;
}

/**
 * Ends every session (the end of the main step): its connections closed at once, a request still in flight failed;
 * a later sharedSession() starts afresh.
 */
export async function closeSharedSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map((s) => s.pool.destroy()));
}
