/** The inventory: load it, resolve variables, select hosts, list it. */
export type { Group, Host, Inventory, VarSource } from './types.js';
export { inventoryFromIni, inventoryFromYaml, loadInventory } from './load.js';
export { groupsOf, hostVars, hostVarsView, magicVars, varLayers } from './vars.js';
export { applyLimit, checkPattern, limitHosts, patternProblem, selectHosts, splitPattern, unmatchedParts, partMatchesNothing, type UnmatchedPart } from './patterns.js';
export { formatInventoryJson, inventoryGraph, inventoryHost, inventoryList, inventoryYamlTree, type GraphOptions, type InventoryListing, type ListOptions } from './list.js';
export { dumpInventoryYaml as dumpYaml } from '../yaml/pyyaml-dump.js';
export { expandHostKey } from './host-pattern.js';
export { globToRegex } from './patterns.js';
