import { execa } from 'execa';
import type { KubectlTarget } from '../model/inventory.js';
import { checkKubectl, isK8sName, isK8sNode, isK8sSelector } from './allowlist.js';
import { runChild } from './child-process.js';
import { classifyExit, type CommandOutcome, type RunRequest, type Transport } from './transport.js';

export interface KubectlTransportOptions {
  readonly host: string;
  readonly target: KubectlTarget;
  /** Prefix inside the pod (rarely needed: `env OVS_RUNDIR=...`). */
  readonly wrapper: readonly string[];
  /** The kubectl program (default `kubectl` on PATH). */
  readonly kubectl?: string;
  /** Timeout of the pod lookup (ms). */
  readonly lookupTimeoutMs?: number;
  /** Environment for kubectl (KUBECONFIG, PATH); default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly onExec?: (argv: readonly string[]) => void;
}

/**
 * Runs commands in the node's OVS/OVN pod with `kubectl exec` (execa, no shell): first finds the
 * pod with `kubectl -n NS get pods -l SELECTOR --field-selector spec.nodeName=NODE -o json`, then
 * `kubectl -n NS exec POD -c CONTAINER -- <argv>` per command. The pod name comes from the
 * cluster, so it is validated before it goes into the next command; the whole kubectl argv is
 * checked by `checkKubectl`, so only allow-listed commands can reach the pod.
 */
export function createKubectlTransport(options: KubectlTransportOptions): Transport {
  const t = options.target;
  const kubectl = options.kubectl ?? 'kubectl';
  const globals = [...(t.context ? [`--context=${t.context}`] : []), ...(t.kubeconfig ? [`--kubeconfig=${t.kubeconfig}`] : [])];
  let podPromise: Promise<{ ok: true; pod: string } | { ok: false; error: string }> | undefined;

  const findPod = async (): Promise<{ ok: true; pod: string } | { ok: false; error: string }> => {
    if (!isK8sName(t.namespace)) return { ok: false, error: `kubectl namespace ${JSON.stringify(t.namespace)} is not a Kubernetes name` };
    if (!isK8sSelector(t.selector)) return { ok: false, error: `kubectl selector ${JSON.stringify(t.selector)} is not a label selector` };
    if (!isK8sNode(t.node)) return { ok: false, error: `node ${JSON.stringify(t.node)} is not a Kubernetes node name` };
    if (!isK8sName(t.container)) return { ok: false, error: `container ${JSON.stringify(t.container)} is not a Kubernetes name` };
    const argv = ['kubectl', ...globals, '-n', t.namespace, 'get', 'pods', '-l', t.selector, '--field-selector', `spec.nodeName=${t.node}`, '-o', 'json'];
    const verdict = checkKubectl(argv);
    if (!verdict.allowed) return { ok: false, error: verdict.reason };
    const r = await execa(kubectl, argv.slice(1), { reject: false, stdin: 'ignore', timeout: options.lookupTimeoutMs ?? 30_000, env: options.env, extendEnv: options.env === undefined });
    if (r.failed) {
      const why = r.timedOut ? 'timed out' : String(r.stderr || r.message).split('\n')[0];
      return { ok: false, error: `kubectl could not list pods in ${t.namespace} (${t.selector}) on node ${t.node}: ${why}` };
    }
    let items: { metadata?: { name?: string }; status?: { phase?: string; containerStatuses?: { name?: string; ready?: boolean }[] } }[];
    try {
      items = (JSON.parse(String(r.stdout)) as { items?: typeof items }).items ?? [];
    } catch {
      return { ok: false, error: 'kubectl get pods did not print JSON' };
    }
    const running = items.filter((p) => p.status?.phase === 'Running');
    if (!running.length)
      return { ok: false, error: `no running pod matches -n ${t.namespace} -l ${t.selector} on node ${t.node} (layout ${t.layout}; set kubectl.namespace/selector/container in the inventory)` };
    const name = running[0]!.metadata?.name ?? '';
    if (!isK8sName(name)) return { ok: false, error: `pod name ${JSON.stringify(name)} from the cluster is not a safe Kubernetes name; not used` };
    return { ok: true, pod: name };
  };

  return {
    host: options.host,
    kind: 'kubectl',
    async run(request: RunRequest): Promise<CommandOutcome> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      podPromise ??= findPod();
      const pod = await podPromise;
      if (!pod.ok) return { status: 'transport-error', exitCode: null, durationMs: elapsed(), stderr: '', error: pod.error };
      const argv = ['kubectl', ...globals, '-n', t.namespace, 'exec', pod.pod, '-c', t.container, '--', ...options.wrapper, ...request.argv];
      const verdict = checkKubectl(argv);
      if (!verdict.allowed) return { status: 'refused', exitCode: null, durationMs: 0, stderr: '', error: verdict.reason };
      options.onExec?.([...options.wrapper, ...request.argv]);
      const ran = await runChild(kubectl, argv.slice(1), request, elapsed, { env: options.env, extendEnv: options.env === undefined, killedNote: ' (kubectl killed)' });
      if ('outcome' in ran) return ran.outcome;
      const { result, stderr } = ran;
      const code = result.exitCode ?? null;
      if (code === null) return { status: 'transport-error', exitCode: null, durationMs: elapsed(), stderr, error: `kubectl could not run: ${result.message}` };
      // kubectl itself failing (API unreachable, pod gone) is a transport problem, not the command's.
      if (code !== 0 && /^(error: |Error from server|Unable to connect to the server)/m.test(stderr) && !/executable file not found|command not found/.test(stderr))
        return { status: 'transport-error', exitCode: code, durationMs: elapsed(), stderr, error: `kubectl exec into ${pod.pod}: ${stderr.split('\n')[0]}` };
      return classifyExit(code, stderr, elapsed(), request.argv[0]!, (options.wrapper[0] ?? request.argv[0])!, options.host);
    },
    async close() {},
  };
}
