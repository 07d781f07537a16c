// `certroll demo`: registration only; the lab and the rollout load when it runs (src/demo/).
import { type Command } from 'commander';
import { type CommandContext } from '../io.js';

export function registerDemo(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description(
      'a self-contained lab on this machine (SSH servers and TLS ports, nothing but Node) and a full rollout through it, one failure and its rollback included; exit 0 when it behaved as expected',
    )
    .option('--dir <dir>', 'put the lab here (a new or empty folder; default a temporary one)')
    .option(
      '--keep',
      'keep the lab folder (inventory, certificates, run journal) afterwards',
      false,
    )
    .action(async (options: { dir?: string; keep?: boolean }) => {
      const { runDemo } = await import('../../demo/run.js');
      ctx.setExit(
        await runDemo(
          {
            ...(options.dir !== undefined ? { dir: options.dir } : {}),
            keep: options.keep === true,
          },
          ctx.io,
        ),
      );
    });
}
