import { type AppError, isAppError } from '../../kernel/errors.js';
import { type Command, type CommandService, type CommandStatus, presentCommand } from '../commands/index.js';
import type { JobActions } from './job-service.js';

/** Every command status: a job's command is found whatever became of it. */
const ANY_STATUS: readonly CommandStatus[] = [
  'queued',
  'sent',
  'delivered',
  'acknowledged',
  'failed',
  'expired',
  'cancelled',
  'unknown',
];

/** Commands made at once by `sendCommands` at most. */
const PARALLEL = 16;

/** What a job does with commands, through the commands module. */
export function commandJobActions(
  commands: CommandService,
): Pick<JobActions, 'sendCommands' | 'findCommands' | 'cancelCommand'> {
  return {
    async sendCommands(tenantId, items) {
      const answers: (Command | AppError)[] = new Array(items.length);
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const index = next++;
          const item = items[index];
          if (item === undefined) continue;
          try {
            answers[index] = (await commands.create(tenantId, item.deviceId, item.body)).command;
          } catch (error) {
            if (!isAppError(error)) throw error;
            answers[index] = error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
      return answers;
    },
    async findCommands(tenantId, wanted) {
      const found: Command[] = [];
      for (const { deviceId, key } of wanted) {
        const rows = await commands.byKeyPrefix(tenantId, deviceId, key, ANY_STATUS);
        const row = rows.find((r) => r.idempotency_key === key);
        if (row !== undefined) found.push(presentCommand(row));
      }
      return found;
    },
    async cancelCommand(tenantId, deviceId, commandId) {
      await commands.cancel(tenantId, deviceId, commandId);
    },
  };
}
