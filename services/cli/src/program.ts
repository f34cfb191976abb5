import { Command } from 'commander';
import { registerDetectCommand } from './commands/detect.js';
import { registerGatewayCommand } from './commands/gateway.js';
import { registerModelsCommand } from './commands/models.js';
import { registerProduceCommand } from './commands/produce.js';
import { registerRedisAclCommand } from './commands/redis-acl.js';
import { registerUpCommand } from './commands/up.js';
import { registerWorkerCommand } from './commands/worker.js';

/**
 * The `ei` command. Each subcommand lives in ./commands and registers itself here; this
 * file only assembles them.
 */
export function buildProgram(): Command {
  const program = new Command('ei')
    .description(
      'Elastic video inference platform: cameras and files in, detections out, workers that scale.',
    )
    .showHelpAfterError();
  registerUpCommand(program);
  registerProduceCommand(program);
  registerWorkerCommand(program);
  registerGatewayCommand(program);
  registerDetectCommand(program);
  registerModelsCommand(program);
  registerRedisAclCommand(program);
  return program;
}
