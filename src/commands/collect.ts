import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { COLLECT_JSON, jsonContractSection } from '../cli/json-contract.js';
import { checkWrapper, ENV_VARIABLES } from '../collect/allowlist.js';
import { loadInventory } from '../collect/inventory.js';
import { PassphraseProvider } from '../collect/ssh-auth.js';
import { Interrupted } from '../collect/transport.js';
import { loadSshConfig } from '../collect/ssh-config.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import type { HostSpec, Inventory } from '../model/inventory.js';
import { ExitCode } from '../model/result.js';
import { parseHostArg, splitWords } from '../parse/inventory.js';
import { ProgressDisplay, renderCollectSummary } from '../render/collect.js';
import { makeStyle } from '../render/style.js';
import { collect } from '../services/collect.js';

export const PASSPHRASE_ENV = 'OVNSCOPE_SSH_PASSPHRASE';

export default class Collect extends BaseCommand {
  static override summary = 'Collect flows, bindings and OVS/OVN state from hypervisors into a snapshot directory.';
  static override description = `Runs a fixed, read-only set of commands (ovs-ofctl dump-flows/show/dump-groups, ovs-vsctl list, ovs-appctl dpif/show, ovn-appctl -t ovn-controller connection-status/debug/status/version on every host; ovn-sbctl/ovn-nbctl list once through the "ovn.via" host) and stores the raw outputs verbatim with a manifest. Every command is checked against ovnscope's read-only allow-list by the transport before it is sent; a command not on it cannot run. Over SSH each command runs under coreutils "timeout -k 5 N" on the host (N: its timeout; a host without timeout is collected unbounded), because ovnscope cannot stop a remote command itself: the manifest says "stopped on HOST by timeout" when the host ended it, and "abandoned … may still be running" when ovnscope only stopped waiting. The snapshot is written to a temporary directory and renamed into place at the end. A command that fails is recorded and the rest goes on (an optional one's failure is data: ovn-appctl that gets no answer from ovn-controller is how doctor D17 knows it is not running); the exit code is 3 when the snapshot is incomplete (a host unreachable, a command timed out, Ctrl-C), and the manifest says what is missing and why. Ctrl-C, SIGTERM and SIGHUP all stop a collection the same way: the commands still running are abandoned, the manifest is written with "interrupted": true and the snapshot renamed into place (a repeated signal does not cut that short), and its path is printed. Outputs stream to disk as they arrive.

Transports: ssh (the default; one connection per host, commands multiplexed over channels), kubectl (kubectl exec into the node's OVS/OVN pod) and local.

SSH behaves like OpenSSH: it reads ~/.ssh/config then /etc/ssh/ssh_config (or only -F FILE) — Host patterns, Match host/user, Include, HostName, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent, ProxyJump (several hops; each hop configured like "ssh -J"), ConnectTimeout, ServerAliveInterval/CountMax, UserKnownHostsFile, GlobalKnownHostsFile, HashKnownHosts, HostKeyAlias, StrictHostKeyChecking, Ciphers, KexAlgorithms, MACs, HostKeyAlgorithms (with the +, - and ^ forms; algorithms ovnscope's SSH client lacks are skipped, and a list that leaves none is an error naming what is supported). Keys come from ssh-agent ($SSH_AUTH_SOCK) and IdentityFile; an encrypted key's passphrase comes from --passphrase-file, $${PASSPHRASE_ENV}, or is asked once on the terminal, and is never stored. Host keys are checked against known_hosts (hashed entries too): an unknown key is refused with its fingerprint unless --accept-new (or StrictHostKeyChecking accept-new) records it; a changed key is always refused. ProxyCommand and "Match exec" are not run (ovnscope runs no local commands from configuration): use ProxyJump. Password and keyboard-interactive authentication are never used.

Wrappers ("sudo -n", "podman exec ovn_controller", "docker exec ovs", "env OVS_RUNDIR=...", "ip netns exec NS") are allowed only in those read-only shapes; env may set only ${[...ENV_VARIABLES].join(', ')} (never PATH, LD_PRELOAD or the like, which would choose the program that actually runs); any other wrapper (in the inventory, frr.wrapper, ovn_controller.wrapper or --wrapper) is refused before anything is collected (exit 2). sudo is only used as "sudo -n": when it wants a password the command is recorded as failed with that reason; nothing is ever typed.

Path-scoped collection: --from PORT --to IP|PORT reads the SB through "ovn.via" first, then collects only the chassis on that path (the source's and destination's chassis, and the gateway chassis of the routers in between). The manifest records the path, the chassis and why each was chosen.

Inventory (YAML):
  defaults: { transport: ssh, wrapper: "sudo -n" }
  groups:
    computes:
      wrapper: "sudo -n podman exec ovn_controller"
      hosts: [hv1, root@hv2:2222]
    k8s:
      transport: kubectl
      kubectl: { layout: ovn-kubernetes }   # or kube-ovn, openshift
      hosts: [worker-1, worker-2]
  hosts:
    hv3: { user: ops, port: 2200, proxy_jump: bastion, host_timeout: 600 }
    gw1:
      address: 10.0.0.9
      identity_file: ~/.ssh/fleet_ed25519
      group: computes
    lab: { transport: local, wrapper: "env OVS_RUNDIR=/tmp/sb/hv1" }
    hv4: { ovn_controller: { wrapper: "podman exec ovn_controller" } }
  ovn:
    via: hv1
    nb: unix:/var/run/ovn/ovnnb_db.sock
    sb: unix:/var/run/ovn/ovnsb_db.sock

Host keys: transport, wrapper, address (or hostname), user, port, proxy_jump, identity_file, timeout (s, per command), host_timeout (s, whole host), group, node and kubectl {layout, namespace, selector, container, context, kubeconfig} (transport kubectl), frr {netns, pathspace, wrapper} and ovn_controller {wrapper}: words put before ovn-appctl only (on top of the host's wrapper), for ovn-controller running in its own container (TripleO, kolla) or with another OVN_RUNDIR; without it, ovn-appctl runs like the OVS commands and looks in /var/run/ovn. Settings merge defaults < group < host.`;
  static override examples = [
    '<%= config.bin %> collect --inventory prod.yaml --out snap-$(date +%s)',
    '<%= config.bin %> collect --host root@hv1 --host hv2:2222 --wrapper "sudo -n" --out snap',
    '<%= config.bin %> collect -i prod.yaml --from vm-a-port --to 10.0.2.15 --out snap-path',
    '<%= config.bin %> collect -i prod.yaml -F ./ssh_config --accept-new --parallel 32 --timeout 30 --json --out snap',
  ];
  static manSections = [jsonContractSection(COLLECT_JSON)];
  static override enableJsonFlag = true;
  static override flags = {
    inventory: Flags.string({ char: 'i', summary: 'Inventory YAML file (hosts, groups, defaults, transports, wrappers, ovn.via/nb/sb).' }),
    host: Flags.string({ summary: 'Ad-hoc SSH host [user@]host[:port]; repeat for more (with or instead of --inventory).', multiple: true }),
    wrapper: Flags.string({ summary: 'Wrapper for the --host hosts, e.g. "sudo -n" or "sudo -n podman exec ovn_controller".' }),
    'ovn-via': Flags.string({ summary: 'Host that runs ovn-sbctl/ovn-nbctl (overrides the inventory\'s ovn.via).' }),
    nb: Flags.string({ summary: 'NB OVSDB remote for ovn-nbctl --db (with --ovn-via).' }),
    sb: Flags.string({ summary: 'SB OVSDB remote for ovn-sbctl --db (with --ovn-via).' }),
    out: Flags.string({ char: 'o', summary: 'Snapshot directory to create (must not exist).', required: true }),
    from: Flags.string({ summary: 'Path scope: the source logical port; collect only the chassis on the path (needs --to and ovn.via).', dependsOn: ['to'] }),
    to: Flags.string({ summary: 'Path scope: the destination IP address or logical port.', dependsOn: ['from'] }),
    parallel: Flags.integer({ summary: 'Hosts collected at the same time.', default: 16, min: 1 }),
    'per-host': Flags.integer({ summary: 'Commands in flight per host (channels on its one connection).', default: 4, min: 1, max: 10 }),
    timeout: Flags.integer({ summary: 'Timeout per command in seconds (default: per command, 60 s; 300 s for dump-flows).', min: 1 }),
    'host-timeout': Flags.integer({ summary: 'Budget per host in seconds, connection included; what is still running then is cut and recorded as timeout.', min: 1 }),
    'connect-timeout': Flags.integer({ summary: 'SSH connection and login timeout in seconds when ssh_config has no ConnectTimeout.', default: 15, min: 1 }),
    'ssh-config': Flags.string({ char: 'F', summary: 'SSH client configuration file to read instead of ~/.ssh/config and /etc/ssh/ssh_config ("none" for none).' }),
    'accept-new': Flags.boolean({ summary: 'Record the host key of hosts not yet in known_hosts (like StrictHostKeyChecking=accept-new); changed keys are still refused.', default: false }),
    'passphrase-file': Flags.string({ summary: `File whose first line is the passphrase of encrypted SSH keys (else $${PASSPHRASE_ENV}, else asked once on the terminal).` }),
    kubectl: Flags.string({ summary: 'kubectl program for hosts with transport kubectl.', default: 'kubectl' }),
  };

  async run() {
    const { flags } = await this.parse(Collect);
    const hosts: HostSpec[] = [];
    let ovn: Inventory['ovn'];
    if (!flags.inventory && !flags.host?.length) this.error('give --inventory FILE or at least one --host [user@]host[:port]', { exit: ExitCode.usage });
    if (flags.inventory) {
      let text: string;
      try {
        text = await readFile(flags.inventory, 'utf8');
      } catch (e) {
        this.error(`cannot read inventory ${flags.inventory}: ${(e as Error).message}`, { exit: ExitCode.usage });
      }
      const inventory = loadInventory(text, flags.inventory);
      for (const d of inventory.diagnostics) this.logToStderr(formatDiagnostic(d));
      const errors = inventory.diagnostics.filter((d) => d.severity === 'error');
      // Under --json nothing was printed above (logToStderr is silent): the errors go in the message.
      if (errors.length && this.jsonEnabled()) this.error(['the inventory has errors; nothing was collected', ...errors.map(formatDiagnostic)].join('\n'), { exit: ExitCode.usage });
      if (errors.length) this.error('the inventory has errors (above); nothing was collected', { exit: ExitCode.usage });
      hosts.push(...inventory.value.hosts);
      ovn = inventory.value.ovn;
    }
    let wrapper: string[] = [];
    if (flags.wrapper !== undefined) {
      const split = splitWords(flags.wrapper);
      if (split.error) this.error(`--wrapper: ${split.error}`, { exit: ExitCode.usage });
      const verdict = checkWrapper(split.words);
      if (!verdict.allowed) this.error(`--wrapper ${JSON.stringify(flags.wrapper)} is not allowed: ${verdict.reason}`, { exit: ExitCode.usage });
      wrapper = split.words;
    }
    for (const h of flags.host ?? []) {
      const parsed = parseHostArg(h);
      if (!parsed.ok) this.error(parsed.error, { exit: ExitCode.usage });
      if (hosts.some((x) => x.name === parsed.spec.name)) this.error(`--host ${h}: host ${parsed.spec.name} is already in the inventory`, { exit: ExitCode.usage });
      hosts.push({ ...parsed.spec, wrapper });
    }
    if (flags['ovn-via']) {
      if (!hosts.some((x) => x.name === flags['ovn-via'])) this.error(`--ovn-via ${flags['ovn-via']} is not one of the hosts`, { exit: ExitCode.usage });
      for (const [k, v] of [['nb', flags.nb], ['sb', flags.sb]] as const)
        if (v !== undefined && !/^(unix|ssl|tcp):/.test(v)) this.error(`--${k} must be an OVSDB remote such as unix:/var/run/ovn/ovn${k}_db.sock`, { exit: ExitCode.usage });
      ovn = { via: flags['ovn-via'], nb: flags.nb, sb: flags.sb };
    }

    const needsSsh = hosts.some((h) => h.transport === 'ssh');
    const sshConfig = needsSsh ? loadSshConfig({ file: flags['ssh-config'] }) : undefined;
    if (sshConfig && !sshConfig.ok) this.error(sshConfig.error.message, { exit: ExitCode.usage });

    const interactive = process.stderr.isTTY === true && !this.jsonEnabled();
    const style = makeStyle(process.stderr);
    const display = interactive ? new ProgressDisplay(process.stderr, style, `collect → ${flags.out}`) : undefined;
    const passphrases = new PassphraseProvider({
      file: flags['passphrase-file'],
      env: { name: PASSPHRASE_ENV, value: process.env[PASSPHRASE_ENV] },
      prompt: process.stdin.isTTY ? (q) => promptHidden(q, display) : undefined,
    });

    // Ctrl-C, SIGTERM (`timeout 600 ovnscope collect`, systemd) and SIGHUP (the bastion session
    // dropped) all mean the same: abandon what is running, write the manifest as interrupted and
    // rename the snapshot into place. A repeated signal must not kill us half-way (that would leave
    // only a hidden .partial directory), so the handlers stay installed until the snapshot is written.
    const abort = new AbortController();
    let signals = 0;
    const say = (line: string) => {
      display?.pause();
      this.logToStderr(line);
    };
    const onSignal = (name: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        say(`${name === 'SIGINT' ? 'interrupted' : `got ${name}`}: abandoning the running commands, writing the snapshot as incomplete…`);
        abort.abort(new Interrupted(name));
      } else say(`${name} again: already finishing; the snapshot is being written (kill -9 would lose it)`);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((name) => [name, () => onSignal(name)] as const);
    for (const [name, h] of handlers) process.on(name, h);
    collecting++;
    // After SIGHUP the terminal is gone: a failed write to it must not crash us before the rename.
    const ignoreWriteError = () => undefined;
    process.stdout.on('error', ignoreWriteError);
    process.stderr.on('error', ignoreWriteError);
    // A bug that escapes as an uncaught exception: at least say where the outputs are.
    let workDir: string | undefined;
    const onCrash = (e: unknown) => {
      display?.stop();
      process.stderr.write(`ovnscope collect: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      if (workDir) process.stderr.write(`The outputs collected so far are in ${workDir} (no manifest.json: not a snapshot).\n`);
      process.exit(ExitCode.internal);
    };
    process.on('uncaughtException', onCrash);
    try {
      const result = await collect({
        onWorkDir: (dir) => (workDir = dir),
        inventory: { hosts, ovn },
        out: flags.out,
        parallel: flags.parallel,
        perHostConcurrency: flags['per-host'],
        timeoutMs: flags.timeout ? flags.timeout * 1000 : undefined,
        hostTimeoutMs: flags['host-timeout'] ? flags['host-timeout'] * 1000 : undefined,
        signal: abort.signal,
        scope: flags.from && flags.to ? { from: flags.from, to: flags.to } : undefined,
        onProgress: display ? (e) => display.update(e) : undefined,
        transportOptions: {
          ssh: sshConfig?.ok
            ? {
                config: sshConfig.value,
                acceptNew: flags['accept-new'],
                passphrases,
                agentSocket: process.env.SSH_AUTH_SOCK || undefined,
                connectTimeoutMs: flags['connect-timeout'] * 1000,
                maxChannels: flags['per-host'],
              }
            : undefined,
          kubectl: flags.kubectl,
          onNotice: (host, message) => {
            if (this.jsonEnabled()) return;
            display?.pause();
            this.logToStderr(`${host}: ${message}`);
            display?.resume();
          },
        },
      });
      display?.stop();
      if (!result.ok) this.failWith(result.error);
      const { manifest, dir } = result.value;
      if (!manifest.complete) process.exitCode = ExitCode.incomplete;
      this.print(renderCollectSummary(dir, manifest, this.style));
      return { dir, complete: manifest.complete, interrupted: manifest.interrupted, missing: manifest.missing, scope: manifest.options['scope'], manifest };
    } finally {
      process.off('uncaughtException', onCrash);
      // The snapshot is in place (or the error decided): a signal from here until the process
      // exits must not turn exit 3 into 130/143 as if the work were lost. Installed before ours
      // are removed: with no listener for a moment, the signal's default action would kill us.
      endSignalsWithExitStatus();
      collecting--;
      for (const [name, h] of handlers) process.off(name, h);
    }
  }
}

/** Collections running in this process: their own handlers answer signals meanwhile. */
let collecting = 0;
let exitOnLateSignal = false;

/**
 * From now on, SIGINT/SIGTERM/SIGHUP that come while no collection runs end the process with the
 * exit status already set (installed once per process).
 */
function endSignalsWithExitStatus(): void {
  if (exitOnLateSignal) return;
  exitOnLateSignal = true;
  const exit = () => {
    if (collecting === 0) process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok);
  };
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, exit);
  // When the event loop runs dry, Node's teardown after the 'exit' event closes the signal handles
  // and so puts back the default action: a signal in those few milliseconds killed the process
  // (143 instead of 3, with the snapshot already in place). process.exit() from the 'exit' event
  // skips that teardown; the loop is empty by then, so nothing is left to flush.
  process.on('exit', () => process.exit());
}

/** Reads a line from the terminal without echo (the progress display is paused meanwhile). */
function promptHidden(question: string, display: ProgressDisplay | undefined): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.resolve(undefined);
  display?.pause();
  process.stderr.write(question);
  return new Promise((resolve) => {
    let text = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (value: string | undefined) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write('\n');
      display?.resume();
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\u0003') {
          done(undefined);
          process.kill(process.pid, 'SIGINT');
          return;
        }
        if (ch === '\u0004') return done(text.length ? text : undefined);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}
