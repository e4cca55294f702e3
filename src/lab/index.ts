/**
 * The lab's programmatic API (the CLI and the drill use it). Keep these
 * signatures stable.
 */
export { labUp, convergeLab, writeLabInventory, DEFAULT_INVENTORY, DEFAULT_PLAYBOOK, type UpOptions } from './up.js';
export { labDown, type DownResult } from './down.js';
export { execIn, type ExecInOptions } from './exec.js';
export { poweroff, poweron, cut, uncut, partition, heal } from './faults.js';
export { vipHolders, labStatus, listLabs, labsOnImage, addressesIn, type LabStatus, type MachineStatus, type LabSummary } from './status.js';
export { labInventoryPath, labKeyPath, labKnownHostsPath } from './paths.js';
export { proxyArgv, proxyCommand } from './proxy.js';
export { ensureImage, recipeHash, defaultRecipe, type Image } from './image.js';
export { readState, loadLab, type LabState, type MachineState } from './state.js';
export { waitSettled, type SettleOptions } from './settle.js';
export { requireHostTools, LAB_TOOLS, IMAGE_TOOLS } from './host-tools.js';
export { DEFAULT_LAB, switchNs, machineNs } from './names.js';
export { LabError } from './errors.js';
export type { ConvergeFn, ConvergeRequest, Profile } from './types.js';
export { PROFILES } from './types.js';
export { ansibleConverge, ansibleArgv, closeAnsibleMasters, type AnsibleConvergeOptions } from './ansible-converge.js';
export { labRecipe, PYTHON_PACKAGES } from './image.js';
export { startMonitor, prometheusConfig, prometheusRules, prometheusUrl, monitorTargets, monitorVars, RECORDING_RULES, STUB_STATUS_PORT } from './monitor.js';
