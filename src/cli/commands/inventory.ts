// `certroll inventory check|schema`. Registration only imports commander types; the inventory
// code (yaml, zod) loads when one of these commands actually runs.
import type { execFileSync } from 'node:child_process';
import { type Command } from 'commander';
import { CertrollError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';

interface CheckOptions {
  readonly format?: string;
}

export function registerInventory(program: Command, ctx: CommandContext): void {
  const inventory = program
    .command('inventory')
    .description('validate inventories and print their JSON Schema');

  inventory
    .command('check')
    .description('validate an inventory and print the resolved environments, hosts and bindings')
    .argument(
      '<inventory>',
      'inventory file (certroll YAML, Ansible YAML/INI, ansible-inventory JSON)',
    )
    .option(
      '--format <format>',
      'auto, certroll, ansible (YAML), ansible-ini, ansible-json (ansible-inventory --list output), ansible-inventory (run it, for inventory plugins)',
      'auto',
    )
    .action(async (file: string, options: CheckOptions) => {
      const [inv, playbooks] = await Promise.all([
        import('../../inventory/index.js'),
        import('../../playbooks/index.js'),
      ]);
      const format = checkedFormat(inv.INVENTORY_FORMATS, options.format);
      const { execFileSync } = await import('node:child_process');
      const runAnsibleInventory = ansibleInventoryRunner(execFileSync, ctx);
      const loaded = inv.loadInventory(file, {
        format,
        ansibleInventory: runAnsibleInventory,
        cwd: ctx.io.cwd,
        // Every binding's params too, by the rules `plan` applies, so one run shows every problem.
        bindingRules: (dirs) => playbooks.bindingRules(playbooks.loadPlaybooks({ userDirs: dirs })),
      });
      if (ctx.global().json) {
        ctx.io.stdout(`${JSON.stringify({ ok: true, inventory: loaded }, null, 2)}\n`);
      } else {
        ctx.io.stdout(inv.renderInventory(loaded));
      }
      ctx.setExit(EXIT.OK);
    });

  inventory
    .command('import')
    .description(
      'write a certroll YAML inventory from an Ansible one (INI or YAML with group_vars/ and host_vars/, or ansible-inventory JSON)',
    )
    .argument('<inventory>', 'the Ansible inventory')
    .option('-o, --output <file>', 'write the certroll inventory here (default: stdout)')
    .option(
      '--format <format>',
      'auto, ansible, ansible-ini, ansible-json, ansible-inventory',
      'auto',
    )
    .action(async (file: string, options: CheckOptions & { readonly output?: string }) => {
      const [inv, playbooks, { writeFileAtomic }] = await Promise.all([
        import('../../inventory/index.js'),
        import('../../playbooks/index.js'),
        import('../../journal/atomic.js'),
      ]);
      const format = checkedFormat(inv.INVENTORY_FORMATS, options.format);
      const { execFileSync } = await import('node:child_process');
      const path = await import('node:path');
      const imported = inv.importInventory(file, {
        format,
        ansibleInventory: ansibleInventoryRunner(execFileSync, ctx),
        cwd: ctx.io.cwd,
        ...(options.output === undefined ? {} : { output: options.output }),
        // Validated as plan validates, so what is written plans.
        bindingRules: (dirs) => playbooks.bindingRules(playbooks.loadPlaybooks({ userDirs: dirs })),
      });
      const hosts = imported.inventory.environments.reduce((n, e) => n + e.hosts.length, 0);
      if (options.output !== undefined) {
        writeFileAtomic(path.resolve(ctx.io.cwd, options.output), imported.yaml, 0o644);
      }
      if (ctx.global().json) {
        ctx.io.stdout(
          `${JSON.stringify({ ok: true, output: options.output ?? null, environments: imported.inventory.environments.length, hosts, ...(options.output === undefined && { yaml: imported.yaml }) }, null, 2)}\n`,
        );
      } else if (options.output === undefined) {
        ctx.io.stdout(imported.yaml);
      } else {
        ctx.io.stderr(
          `wrote ${options.output}: ${imported.inventory.environments.length} environment(s), ${hosts} host(s)\n`,
        );
      }
      ctx.setExit(EXIT.OK);
    });

  inventory
    .command('schema')
    .description('print the JSON Schema of the inventory format (for editor completion)')
    .action(async () => {
      const { inventoryJsonSchema } = await import('../../inventory/index.js');
      ctx.io.stdout(`${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`);
      ctx.setExit(EXIT.OK);
    });
}

type ExecFileSync = typeof execFileSync;

function checkedFormat<F extends string>(formats: readonly F[], given: string | undefined): F {
  const format = given ?? 'auto';
  if (!(formats as readonly string[]).includes(format)) {
    throw new CertrollError('USAGE', `unknown inventory format ${JSON.stringify(format)}`, {
      hint: `Use one of: ${formats.join(', ')}.`,
    });
  }
  return format as F;
}

// The inventory folder runs no processes; this is where `ansible-inventory --list` runs, with a
// timeout and an argument vector (never a shell), for INI files and inventory plugins.
function ansibleInventoryRunner(run: ExecFileSync, ctx: CommandContext) {
  return (path: string): string => {
    try {
      return run('ansible-inventory', ['-i', path, '--list'], {
        encoding: 'utf8',
        env: { ...ctx.io.env, ANSIBLE_NOCOLOR: '1' },
        cwd: ctx.io.cwd,
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string; status?: number | null };
      return failAnsible(path, e);
    }
  };
}

function failAnsible(
  path: string,
  e: NodeJS.ErrnoException & { stderr?: string; status?: number | null },
): never {
  const missing = e.code === 'ENOENT';
  const stderr = (e.stderr ?? '').trim().split('\n').slice(-3).join(' ');
  throw new CertrollError(
    'INPUT_UNREADABLE',
    missing
      ? 'this Ansible inventory can only be read by ansible-inventory, which is not installed'
      : `ansible-inventory -i ${path} --list failed (exit ${e.status ?? e.code ?? '?'}): ${stderr}`,
    {
      file: path,
      cause: e,
      hint: missing
        ? 'Install ansible-core, or run ansible-inventory -i FILE --list > inv.json elsewhere and check inv.json.'
        : 'Run the same ansible-inventory command yourself to see the full error.',
    },
  );
}
