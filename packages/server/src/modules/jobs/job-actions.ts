import type { CommandService } from '../commands/index.js';
import type { JobActions } from './job-service.js';

/** What a job does with commands, through the commands module: a batch's commands in one transaction. */
export function commandJobActions(
  commands: CommandService,
): Pick<JobActions, 'sendCommands' | 'findCommands' | 'cancelCommand'> {
  return {
    async sendCommands(tenantId, items) {
      const outcomes = await commands.createMany(tenantId, items);
      return outcomes.map((outcome) => outcome.error ?? outcome.command);
    },
    findCommands: (tenantId, wanted) => commands.byIdempotencyKeys(tenantId, wanted),
    async cancelCommand(tenantId, deviceId, commandId) {
      await commands.cancel(tenantId, deviceId, commandId);
    },
  };
}
