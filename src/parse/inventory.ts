import { LineCounter, parseDocument, isMap, isScalar, type Node, type Pair } from 'yaml';
import { parse as parseShellWords } from 'shell-quote';
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import type { HostSpec, Inventory, OvnCentralSpec, TransportKind } from '../model/inventory.js';

const TRANSPORTS: readonly TransportKind[] = ['local', 'ssh', 'kubectl'];
const HOST_KEYS = new Set(['transport', 'wrapper', 'address', 'hostname', 'user', 'port', 'timeout']);

/** Splits a wrapper like `env OVS_RUNDIR=/x sudo -n` into words; shell operators are refused. */
export function splitWords(text: string): { words: string[]; error?: string } {
  const parsed = parseShellWords(text);
  const words: string[] = [];
  for (const p of parsed) {
    if (typeof p !== 'string') return { words, error: `shell syntax (${JSON.stringify(p)}) is not allowed in a wrapper; give plain words` };
    words.push(p);
  }
  return { words };
}

/** Reads inventory YAML. Every problem is a diagnostic with the line it is on; nothing throws. */
export function parseInventory(text: string, file = 'inventory.yaml'): Parsed<Inventory> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const at = (node: Node | null | undefined, message: string, severity: Diagnostic['severity'] = 'error') => {
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    diagnostics.push({ severity, file, line: pos?.line, column: pos?.col, message });
  };
  for (const e of doc.errors) {
    const pos = lineCounter.linePos(e.pos[0]);
    diagnostics.push({ severity: 'error', file, line: pos.line, column: pos.col, message: `YAML: ${e.message.split('\n')[0]}` });
  }
  const hosts: HostSpec[] = [];
  let ovn: OvnCentralSpec | undefined;
  const root = doc.contents;
  if (!isMap(root)) {
    at(root, 'expected a mapping with "hosts:" (and optionally "ovn:") at the top level');
    return { value: { hosts }, diagnostics };
  }
  const hostsNode = root.get('hosts', true) as Node | undefined;
  if (!hostsNode) at(root, 'missing "hosts:" mapping');
  else if (!isMap(hostsNode)) at(hostsNode, '"hosts:" must be a mapping of host name to settings');
  else {
    for (const pair of hostsNode.items as Pair<Node, Node>[]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
        at(pair.key, `host name "${name}" must be letters, digits, ".", "_" or "-"`);
        continue;
      }
      const spec = readHost(name, pair.value, at);
      if (spec) hosts.push(spec);
    }
  }
  const ovnNode = root.get('ovn', true) as Node | undefined;
  if (ovnNode) {
    if (!isMap(ovnNode)) at(ovnNode, '"ovn:" must be a mapping with via/nb/sb');
    else {
      const via = scalarString(ovnNode.get('via', true) as Node | undefined);
      const nb = scalarString(ovnNode.get('nb', true) as Node | undefined);
      const sb = scalarString(ovnNode.get('sb', true) as Node | undefined);
      if (!via) at(ovnNode, '"ovn:" needs "via: <host>" (the host that runs ovn-nbctl/ovn-sbctl)');
      else if (!hosts.some((h) => h.name === via)) at(ovnNode.get('via', true) as Node, `ovn.via "${via}" is not one of the hosts`);
      for (const [k, v] of [['nb', nb], ['sb', sb]] as const)
        if (v !== undefined && !/^(unix|ssl|tcp):/.test(v)) at(ovnNode.get(k, true) as Node, `ovn.${k} must be an OVSDB remote such as unix:/var/run/ovn/ovn${k}_db.sock or ssl:10.0.0.1:664${k === 'nb' ? 1 : 2}`);
      if (via) ovn = { via, nb, sb };
    }
  }
  for (const pair of root.items as Pair<Node, Node>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'hosts' && key !== 'ovn') at(pair.key, `unknown top-level key "${key}" (known: hosts, ovn)`, 'warning');
  }
  return { value: { hosts, ovn }, diagnostics };
}

function scalarString(node: Node | undefined): string | undefined {
  return node && isScalar(node) && node.value !== null ? String(node.value) : undefined;
}

function readHost(name: string, node: Node | null, at: (n: Node | null | undefined, m: string, s?: Diagnostic['severity']) => void): HostSpec | undefined {
  if (node === null || (isScalar(node) && node.value === null)) return { name, transport: 'ssh', wrapper: [], address: name };
  if (!isMap(node)) {
    at(node, `host "${name}": expected a mapping such as { transport: local, wrapper: "sudo -n" }`);
    return undefined;
  }
  for (const pair of node.items as Pair<Node, Node>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!HOST_KEYS.has(key)) at(pair.key, `host "${name}": unknown key "${key}" (known: ${[...HOST_KEYS].join(', ')})`, 'warning');
  }
  const transportText = scalarString(node.get('transport', true) as Node | undefined) ?? 'ssh';
  if (!TRANSPORTS.includes(transportText as TransportKind)) {
    at(node.get('transport', true) as Node, `host "${name}": transport "${transportText}" is not one of ${TRANSPORTS.join(', ')}`);
    return undefined;
  }
  let wrapper: string[] = [];
  const wrapperNode = node.get('wrapper', true) as Node | undefined;
  const wrapperText = scalarString(wrapperNode);
  if (wrapperText !== undefined) {
    const split = splitWords(wrapperText);
    if (split.error) {
      at(wrapperNode, `host "${name}": ${split.error}`);
      return undefined;
    }
    wrapper = split.words;
  }
  const portText = scalarString(node.get('port', true) as Node | undefined);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    at(node.get('port', true) as Node, `host "${name}": port must be 1-65535`);
    return undefined;
  }
  const timeoutText = scalarString(node.get('timeout', true) as Node | undefined);
  const timeoutS = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutS !== undefined && !(timeoutS > 0)) {
    at(node.get('timeout', true) as Node, `host "${name}": timeout is in seconds and must be > 0`);
    return undefined;
  }
  return {
    name,
    transport: transportText as TransportKind,
    wrapper,
    address: scalarString(node.get('address', true) as Node | undefined) ?? scalarString(node.get('hostname', true) as Node | undefined),
    user: scalarString(node.get('user', true) as Node | undefined),
    port,
    timeoutMs: timeoutS === undefined ? undefined : Math.round(timeoutS * 1000),
  };
}
