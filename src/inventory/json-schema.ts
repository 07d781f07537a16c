// The JSON Schema of the inventory as written, for editors (yaml-language-server).
// draft-07: the dialect yaml-language-server and most editors understand best.
import { z } from 'zod';
import { inventoryInput } from './schema.js';

export function inventoryJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(inventoryInput, { target: 'draft-7', unrepresentable: 'any' });
}
