import { inspect } from 'node:util';
import { EiError, maskCredentials } from '@ei/core';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { CliError } from './shared/cli-error.js';

// Under `ei up` every child holds an IPC channel to the launcher. When the launcher dies,
// however it dies, the channel closes: stop as if told to, so nothing is left orphaned.
if (process.env.EI_SUPERVISED === '1' && process.channel) {
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

try {
  await buildProgram().exitOverride().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help).
    process.exitCode = error.exitCode;
  } else {
    // Errors the platform raises on purpose say what to change: no stack trace. For an
    // unexpected one the stack helps; the credentials of a source URL in it do not.
    console.error(
      error instanceof EiError
        ? `ei: ${maskCredentials(error.message)}`
        : maskCredentials(inspect(error)),
    );
    // Exit now: a service that failed half-way through its start may hold connections
    // (Redis, a child) that would keep the process alive.
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
}
