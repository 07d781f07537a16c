import { type Command } from 'commander';
import { type CommandContext } from '../io.js';

// Each command module registers its options and a lazy action (dynamic import of the work), so
// that building the program costs nothing beyond commander itself.
export function registerCommands(_program: Command, _ctx: CommandContext): void {}
