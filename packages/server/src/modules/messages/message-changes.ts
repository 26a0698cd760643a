import type { ChangeExpander } from '../changes/index.js';
import { findMessages } from './message-store.js';
import { presentMessage } from './present-message.js';

/** Ids read per query when filling in a page of `message.created` changes. */
const CHUNK = 500;

/**
 * The change feed's expander for captured messages: capture stores `message.created`
 * changes without data (a message never changes once stored), and the feed reads the
 * messages here, as the API presents them.
 */
export const expandMessageChanges: ChangeExpander = async function expandMessageChanges(
  store,
  tenantId,
  kind,
  entityIds,
) {
  const found = new Map<string, unknown>();
  if (kind !== 'message.created') return found;
  for (let start = 0; start < entityIds.length; start += CHUNK) {
    for (const row of await findMessages(store, tenantId, entityIds.slice(start, start + CHUNK)))
      found.set(row.id, presentMessage(row));
  }
  return found;
};
