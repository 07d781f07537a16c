// `certroll demo`: registration, and the demo's ports from the composition root; the lab and the
// rollout load when it runs (src/demo/).
import { type Command } from 'commander';
import { EXIT } from '../exit-codes.js';
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
    .option(
      '--windows',
      'the Business Central incident on a simulated Windows server instead (needs PowerShell 7 and a git checkout)',
      false,
    )
    .action(async (options: { dir?: string; keep?: boolean; windows?: boolean }) => {
      const [{ runDemo }, { runWindowsDemo }, { demoPorts }] = await Promise.all([
        import('../../demo/run.js'),
        import('../../demo/windows.js'),
        import('../compose.js'),
      ]);
      const ok = await (options.windows === true ? runWindowsDemo : runDemo)(
        {
          ...(options.dir !== undefined ? { dir: options.dir } : {}),
          keep: options.keep === true,
        },
        ctx.io,
        await demoPorts(ctx.io),
      );
      ctx.setExit(ok ? EXIT.OK : EXIT.FAILED);
    });
}
