// What-if only (`--whatif`): loaded with `node --import`, it makes fsync a no-op, to measure what
// certroll's synchronous fsyncs (journal record, snapshot file and folder) cost the event loop.
// An upper bound for batching them; certroll itself is not changed and keeps its durability.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

fs.fsyncSync = (): void => undefined;
syncBuiltinESMExports();
