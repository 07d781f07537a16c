import { type Command } from 'commander';
import { type CommandContext } from '../io.js';
import { registerCert } from './cert.js';
import { registerInventory } from './inventory.js';
import { registerScan } from './scan.js';
import { registerRuns } from './runs.js';
import { registerRollout } from './rollout.js';
import { registerDiscover } from './discover.js';
import { registerDemo } from './demo.js';
import { registerRecords } from './records.js';

// Each command module registers its options and a lazy action (dynamic import of the work), so
// that building the program costs nothing beyond commander itself.
export function registerCommands(program: Command, ctx: CommandContext): void {
  registerCert(program, ctx);
  registerInventory(program, ctx);
  registerScan(program, ctx);
  registerRollout(program, ctx);
  registerRuns(program, ctx);
  registerRecords(program, ctx);
  registerDiscover(program, ctx);
  registerDemo(program, ctx);
}
