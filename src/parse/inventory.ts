import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { parse as parseShellWords } from 'shell-quote';
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { KUBE_LAYOUTS, type FrrSettings, type OvnControllerSettings, type HostSpec, type Inventory, type KubectlTarget, type OvnCentralSpec, type TransportKind } from '../model/inventory.js';

const TRANSPORTS: readonly TransportKind[] = ['local', 'ssh', 'kubectl'];
/** Settings a host, a group or `defaults:` may carry. */
const SETTING_KEYS = ['transport', 'wrapper', 'address', 'hostname', 'user', 'port', 'timeout', 'host_timeout', 'proxy_jump', 'identity_file', 'kubectl', 'node', 'frr', 'ovn_controller'] as const;
const HOST_KEYS = new Set<string>([...SETTING_KEYS, 'group']);
const GROUP_KEYS = new Set<string>([...SETTING_KEYS, 'hosts']);
const KUBECTL_KEYS = new Set(['layout', 'namespace', 'selector', 'container', 'context', 'kubeconfig']);
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A wrapper's verdict: `checkWrapper` of the collect allow-list (parse cannot import collect). */
export type WrapperVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export interface InventoryOptions {
  /**
   * Checks every wrapper (host, group, defaults, frr) when the inventory is read, so a wrapper
   * the transports would refuse stops the collection before it starts instead of making every
   * command of the host fail (and the host look unreachable).
   */
  readonly checkWrapper?: (words: readonly string[]) => WrapperVerdict;
}

/** Splits a wrapper like `env OVS_RUNDIR=/x sudo -n` into words; shell operators are refused. */
export function splitWords(text: string): { words: string[]; error?: string } {
  // Variables come back as tokens, not as '' (shell-quote's default without an environment):
  // `env X=$HOME` must not quietly become `env X=`.
  const parsed = parseShellWords(text, (name) => ({ variable: name }));
  const words: string[] = [];
  for (const p of parsed) {
    if (typeof p !== 'string') return { words, error: `${describeShellToken(p)} is not allowed in a wrapper; give plain words` };
    words.push(p);
  }
  return { words };
}

/** What shell-quote found instead of a word, said the way a person would (`shell operator ";"`). */
function describeShellToken(token: object): string {
  if ('comment' in token) return `a shell comment ("#${String(token.comment)}")`;
  if ('variable' in token) return `the shell variable "$${String(token.variable)}" (a wrapper runs without a shell, so nothing would expand it: write its value, or single-quote it to pass it as is)`;
  if ('op' in token && token.op === 'glob' && 'pattern' in token) return `the shell glob ${JSON.stringify(String(token.pattern))}`;
  if ('op' in token) return `the shell operator ${JSON.stringify(String(token.op))}`;
  return 'shell syntax';
}

/** Settings as read from one mapping (host, group or defaults), before merging. */
interface Settings {
  transport?: TransportKind;
  wrapper?: string[];
  address?: string;
  user?: string;
  port?: number;
  timeoutMs?: number;
  hostTimeoutMs?: number;
  proxyJump?: string;
  identityFiles?: string[];
  kubectl?: Partial<Omit<KubectlTarget, 'node'>>;
  node?: string;
  frr?: FrrSettings;
  ovnController?: OvnControllerSettings;
}

type At = (node: Node | null | undefined, message: string, severity?: Diagnostic['severity']) => void;

/** Splits a wrapper setting into words and checks its shape; an error names the setting and the text. */
function readWrapper(label: string, text: string, options: InventoryOptions): { words: string[]; error?: string } {
  const split = splitWords(text);
  if (split.error) return { words: split.words, error: `${label}: ${split.error}` };
  const verdict = options.checkWrapper?.(split.words);
  if (verdict && !verdict.allowed) return { words: split.words, error: `${label} ${JSON.stringify(text)} is not allowed: ${verdict.reason}` };
  return split;
}

/**
 * An ad-hoc `--host` value: `hv1`, `root@hv1`, `hv2:2222`, `ops@10.0.0.3:2200`, `[fd00::3]:22`.
 * The snapshot name is the host part (`:` of IPv6 replaced by `_`).
 */
export function parseHostArg(text: string): { ok: true; spec: HostSpec } | { ok: false; error: string } {
  const m = /^(?:([A-Za-z0-9_][A-Za-z0-9_.-]*)@)?(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_][A-Za-z0-9_.-]*))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return { ok: false, error: `--host ${JSON.stringify(text)}: expected [user@]host[:port] (IPv6 as [addr]:port)` };
  const host = m[2] ?? m[3]!;
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && !(port > 0 && port < 65536)) return { ok: false, error: `--host ${text}: port must be 1-65535` };
  return { ok: true, spec: { name: host.replace(/:/g, '_'), transport: 'ssh', wrapper: [], address: host, user: m[1], port } };
}

/** Reads inventory YAML. Every problem is a diagnostic with the line it is on; nothing throws. */
export function parseInventory(text: string, file = 'inventory.yaml', options: InventoryOptions = {}): Parsed<Inventory> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const at: At = (node, message, severity = 'error') => {
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
    at(root, 'expected a mapping with "hosts:" (and optionally "groups:", "defaults:", "ovn:") at the top level');
    return { value: { hosts }, diagnostics };
  }

  const defaultsNode = root.get('defaults', true) as Node | undefined;
  let defaults: Settings = {};
  if (defaultsNode) {
    if (!isMap(defaultsNode)) at(defaultsNode, '"defaults:" must be a mapping of settings (transport, wrapper, user, ...)');
    else defaults = readSettings('defaults', defaultsNode, at, new Set(SETTING_KEYS), options) ?? {};
  }

  const groups = new Map<string, Settings>();
  const brokenGroups = new Set<string>();
  const groupMembers: { name: string; group: string; node: Node; extra: Settings }[] = [];
  const groupsNode = root.get('groups', true) as Node | undefined;
  if (groupsNode) {
    if (!isMap(groupsNode)) at(groupsNode, '"groups:" must be a mapping of group name to settings');
    else
      for (const pair of groupsNode.items as Pair<Node, Node>[]) {
        const gname = isScalar(pair.key) ? String(pair.key.value) : '';
        if (!isMap(pair.value)) {
          at(pair.value ?? pair.key, `group "${gname}": expected a mapping of settings and "hosts: [...]"`);
          continue;
        }
        const settings = readSettings(`group "${gname}"`, pair.value, at, GROUP_KEYS, options);
        // A group with errors (reported) is left out with its members; hosts naming it are not
        // blamed for naming an undefined group, and its member list is still checked.
        if (settings) groups.set(gname, settings);
        else brokenGroups.add(gname);
        const members = pair.value.get('hosts', true) as Node | undefined;
        if (members === undefined) continue;
        if (!isSeq(members)) {
          at(members, `group "${gname}": "hosts:" must be a list such as [hv1, root@hv2:2222]`);
          continue;
        }
        for (const item of members.items as Node[]) {
          const textItem = isScalar(item) && item.value !== null ? String(item.value) : '';
          const parsed = parseHostArg(textItem);
          if (!parsed.ok) {
            at(item, `group "${gname}": ${parsed.error.replace('--host ', 'host ')}`);
            continue;
          }
          if (!settings) continue;
          const s = parsed.spec;
          groupMembers.push({ name: s.name, group: gname, node: item, extra: { address: s.address, user: s.user, port: s.port } });
        }
      }
  }

  const seen = new Set<string>();
  const push = (spec: HostSpec | undefined, node: Node) => {
    if (!spec) return;
    if (seen.has(spec.name)) {
      at(node, `host "${spec.name}" is listed twice`);
      return;
    }
    seen.add(spec.name);
    hosts.push(spec);
  };

  const hostsNode = root.get('hosts', true) as Node | undefined;
  if (!hostsNode && groupMembers.length === 0) at(root, 'missing "hosts:" mapping');
  else if (hostsNode && !isMap(hostsNode) && !(isScalar(hostsNode) && hostsNode.value === null)) at(hostsNode, '"hosts:" must be a mapping of host name to settings');
  else if (hostsNode && isMap(hostsNode)) {
    for (const pair of hostsNode.items as Pair<Node, Node>[]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!HOST_NAME.test(name)) {
        at(pair.key, `host name "${name}" must start with a letter, digit or "_", then letters, digits, ".", "_" or "-" (it becomes the snapshot directory hosts/<name>/)`);
        continue;
      }
      const value = pair.value;
      let own: Settings | undefined = {};
      let group: string | undefined;
      if (value === null || (isScalar(value) && value.value === null)) own = {};
      else if (!isMap(value)) {
        at(value, `host "${name}": expected a mapping such as { transport: local, wrapper: "sudo -n" }`);
        continue;
      } else {
        own = readSettings(`host "${name}"`, value, at, HOST_KEYS, options);
        group = scalarString(value.get('group', true) as Node | undefined);
        if (group !== undefined && !groups.has(group)) {
          if (!brokenGroups.has(group)) at(value.get('group', true) as Node, `host "${name}": group "${group}" is not defined under "groups:"`);
          continue;
        }
      }
      if (!own) continue;
      push(finish(name, group, [defaults, group ? groups.get(group)! : {}, own], value ?? pair.key, at), value ?? pair.key);
    }
  }
  for (const m of groupMembers) {
    if (seen.has(m.name)) continue; // listed under hosts: too; that entry (with its own settings) wins
    push(finish(m.name, m.group, [defaults, groups.get(m.group)!, m.extra], m.node, at), m.node);
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
    if (!['hosts', 'ovn', 'groups', 'defaults'].includes(key)) at(pair.key, `unknown top-level key "${key}" (known: hosts, groups, defaults, ovn)`, 'warning');
  }
  return { value: { hosts, ovn }, diagnostics };
}

function scalarString(node: Node | undefined): string | undefined {
  return node && isScalar(node) && node.value !== null ? String(node.value) : undefined;
}

/**
 * Reads the settings of one mapping; undefined when one of them is an error. Every problem is
 * reported (not only the first), so one run of collect lists everything to fix in the file.
 */
function readSettings(what: string, node: YAMLMap, at: At, known: ReadonlySet<string>, options: InventoryOptions): Settings | undefined {
  let failed = false;
  const error = (n: Node | null | undefined, message: string) => {
    at(n, message);
    failed = true;
  };
  for (const pair of node.items as Pair<Node, Node>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!known.has(key)) at(pair.key, `${what}: unknown key "${key}" (known: ${[...known].join(', ')})`, 'warning');
  }
  const get = (k: string) => node.get(k, true) as Node | undefined;
  const s: Settings = {};
  const transportText = scalarString(get('transport'));
  if (transportText !== undefined) {
    if (!TRANSPORTS.includes(transportText as TransportKind)) error(get('transport'), `${what}: transport "${transportText}" is not one of ${TRANSPORTS.join(', ')}`);
    else s.transport = transportText as TransportKind;
  }
  const wrapperText = scalarString(get('wrapper'));
  if (wrapperText !== undefined) {
    const split = readWrapper(`${what}: wrapper`, wrapperText, options);
    if (split.error) error(get('wrapper'), split.error);
    else s.wrapper = split.words;
  }
  s.address = scalarString(get('address')) ?? scalarString(get('hostname'));
  s.user = scalarString(get('user'));
  const portText = scalarString(get('port'));
  if (portText !== undefined) {
    const port = Number(portText);
    if (!(Number.isInteger(port) && port > 0 && port < 65536)) error(get('port'), `${what}: port must be 1-65535`);
    else s.port = port;
  }
  for (const [key, field] of [['timeout', 'timeoutMs'], ['host_timeout', 'hostTimeoutMs']] as const) {
    const t = scalarString(get(key));
    if (t === undefined) continue;
    const seconds = Number(t);
    if (!(seconds > 0)) error(get(key), `${what}: ${key} is in seconds and must be > 0`);
    else s[field] = Math.round(seconds * 1000);
  }
  const pj = scalarString(get('proxy_jump'));
  if (pj !== undefined) {
    if (!/^(none|[A-Za-z0-9_@.:,[\]-]+)$/.test(pj)) error(get('proxy_jump'), `${what}: proxy_jump must look like "bastion" or "ops@b1:2222,b2" (or "none")`);
    else s.proxyJump = pj;
  }
  const idNode = get('identity_file');
  if (idNode !== undefined) {
    const list = isSeq(idNode) ? (idNode.items as Node[]).map((n) => scalarString(n)) : [scalarString(idNode)];
    if (list.some((x) => !x)) error(idNode, `${what}: identity_file must be a path or a list of paths`);
    else s.identityFiles = list as string[];
  }
  s.node = scalarString(get('node'));
  const frrNode = get('frr');
  if (frrNode !== undefined && !isMap(frrNode)) error(frrNode, `${what}: frr must be a mapping such as { netns: leaf1 } or { wrapper: "podman exec frr" }`);
  else if (frrNode !== undefined) {
    for (const pair of frrNode.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!['netns', 'pathspace', 'wrapper'].includes(key)) at(pair.key, `${what}: unknown frr key "${key}" (known: netns, pathspace, wrapper)`, 'warning');
    }
    const netns = scalarString(frrNode.get('netns', true) as Node | undefined);
    const pathspace = scalarString(frrNode.get('pathspace', true) as Node | undefined);
    for (const [k, v] of [['netns', netns], ['pathspace', pathspace]] as const)
      if (v !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(v)) error(frrNode.get(k, true) as Node, `${what}: frr.${k} must be a plain name`);
    let fw: string[] | undefined;
    const fwText = scalarString(frrNode.get('wrapper', true) as Node | undefined);
    if (fwText !== undefined) {
      const split = readWrapper(`${what}: frr.wrapper`, fwText, options);
      if (split.error) error(frrNode.get('wrapper', true) as Node, split.error);
      else fw = split.words;
    }
    s.frr = { ...(netns ? { netns } : {}), ...(pathspace ? { pathspace } : {}), ...(fw ? { wrapper: fw } : {}) };
  }
  const ocNode = get('ovn_controller');
  if (ocNode !== undefined && !isMap(ocNode)) error(ocNode, `${what}: ovn_controller must be a mapping such as { wrapper: "podman exec ovn_controller" }`);
  else if (ocNode !== undefined) {
    for (const pair of ocNode.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'wrapper') at(pair.key, `${what}: unknown ovn_controller key "${key}" (known: wrapper)`, 'warning');
    }
    const text = scalarString(ocNode.get('wrapper', true) as Node | undefined);
    if (text !== undefined) {
      const split = readWrapper(`${what}: ovn_controller.wrapper`, text, options);
      if (split.error) error(ocNode.get('wrapper', true) as Node, split.error);
      else s.ovnController = { wrapper: split.words };
    } else s.ovnController = {};
  }
  const kube = get('kubectl');
  if (kube !== undefined && !isMap(kube)) error(kube, `${what}: kubectl must be a mapping (layout, namespace, selector, container, context, kubeconfig)`);
  else if (kube !== undefined) {
    for (const pair of kube.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!KUBECTL_KEYS.has(key)) at(pair.key, `${what}: unknown kubectl key "${key}" (known: ${[...KUBECTL_KEYS].join(', ')})`, 'warning');
    }
    const k: Record<string, string | undefined> = {};
    for (const key of KUBECTL_KEYS) k[key] = scalarString(kube.get(key, true) as Node | undefined);
    if (k.layout !== undefined && !(k.layout in KUBE_LAYOUTS)) error(kube.get('layout', true) as Node, `${what}: kubectl.layout "${k.layout}" is not one of ${Object.keys(KUBE_LAYOUTS).join(', ')}`);
    s.kubectl = Object.fromEntries(Object.entries(k).filter(([, v]) => v !== undefined));
  }
  return failed ? undefined : s;
}

/** Merges defaults < group < host and checks what only makes sense whole (kubectl names). */
function finish(name: string, group: string | undefined, layers: readonly Settings[], node: Node, at: At): HostSpec | undefined {
  const merged: Settings = {};
  let kube: Partial<Omit<KubectlTarget, 'node'>> = {};
  for (const l of layers) {
    for (const [k, v] of Object.entries(l)) if (v !== undefined && k !== 'kubectl') (merged as Record<string, unknown>)[k] = v;
    if (l.kubectl) kube = { ...kube, ...l.kubectl };
  }
  const transport = merged.transport ?? 'ssh';
  let kubectl: KubectlTarget | undefined;
  if (transport === 'kubectl') {
    const layoutName = kube.layout ?? 'ovn-kubernetes';
    const preset = KUBE_LAYOUTS[layoutName] ?? KUBE_LAYOUTS['ovn-kubernetes']!;
    const custom = kube.namespace !== undefined || kube.selector !== undefined || kube.container !== undefined;
    kubectl = {
      node: merged.node ?? name,
      namespace: kube.namespace ?? preset.namespace,
      selector: kube.selector ?? preset.selector,
      container: kube.container ?? preset.container,
      context: kube.context,
      kubeconfig: kube.kubeconfig,
      layout: custom ? `${layoutName}+custom` : layoutName,
    };
  }
  const spec: HostSpec = {
    name,
    transport,
    wrapper: merged.wrapper ?? [],
    address: merged.address ?? (transport === 'ssh' ? name : undefined),
    user: merged.user,
    port: merged.port,
    timeoutMs: merged.timeoutMs,
    ...(merged.hostTimeoutMs !== undefined ? { hostTimeoutMs: merged.hostTimeoutMs } : {}),
    ...(merged.proxyJump !== undefined ? { proxyJump: merged.proxyJump } : {}),
    ...(merged.identityFiles !== undefined ? { identityFiles: merged.identityFiles } : {}),
    ...(kubectl ? { kubectl } : {}),
    ...(group ? { group } : {}),
    ...(merged.frr ? { frr: merged.frr } : {}),
    ...(merged.ovnController ? { ovnController: merged.ovnController } : {}),
  };
  if (transport !== 'ssh' && transport !== 'kubectl' && (spec.proxyJump || spec.identityFiles)) at(node, `host "${name}": proxy_jump / identity_file only apply to transport ssh`, 'warning');
  return spec;
}
