import type { HostSpec } from '../model/inventory.js';
import { fail, ok, type Result } from '../model/result.js';
import { createLocalTransport } from './local-transport.js';
import type { Transport } from './transport.js';

export interface TransportFactoryOptions {
  readonly onExec?: (host: string, argv: readonly string[]) => void;
}

/** Builds the transport an inventory entry asks for. */
export function createTransport(spec: HostSpec, options: TransportFactoryOptions = {}): Result<Transport> {
  switch (spec.transport) {
    case 'local':
      return ok(createLocalTransport({ host: spec.name, wrapper: spec.wrapper, onExec: (argv) => options.onExec?.(spec.name, argv) }));
    case 'ssh':
    case 'kubectl':
      return fail(`host ${spec.name}: the ${spec.transport} transport is not available in this version of ovnscope; use transport: local with a wrapper`);
  }
}
