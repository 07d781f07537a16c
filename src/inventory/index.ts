// The inventory's public surface: load or parse, the resolved model, the JSON Schema.
export {
  loadInventory,
  importInventory,
  type ImportedInventory,
  detectFormat,
  INVENTORY_FORMATS,
  type InventoryFormat,
  type LoadOptions,
} from './load.js';
export { parseInventory, buildInventory, type ParseOptions } from './parse.js';
export { parseAnsibleYaml, parseAnsibleList } from './ansible/parse.js';
export { inventoryJsonSchema } from './json-schema.js';
export { renderInventory, formatDuration } from './render.js';
export { LIMITS } from './yaml-source.js';
export { thumbprint, hiddenCharacter } from './fields.js';
export { type BindingContext, type BindingRules, type BindingProblem } from './checks.js';
export * from './values.js';
export * from './hidden-characters.js';
export * from './thumbprints.js';
export type * from './model.js';
export { selectInventory, type Selection } from './select.js';
