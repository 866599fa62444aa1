import type { Parsed } from '../model/diagnostic.js';
import type { Inventory } from '../model/inventory.js';
import { parseInventory } from '../parse/inventory.js';
import { checkWrapper } from './allowlist.js';

/**
 * Reads an inventory for collection: the YAML parse plus the allow-list's wrapper shapes, so a
 * wrapper the transports would refuse is an inventory error (nothing collected, exit 2) rather
 * than every command of the host failing at run time.
 */
export function loadInventory(text: string, file: string): Parsed<Inventory> {
  return parseInventory(text, file, { checkWrapper });
}
