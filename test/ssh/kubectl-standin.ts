// A stand-in `kubectl` for tests (no Kubernetes cluster runs on these machines): it answers
// `kubectl -n NS get pods -l SELECTOR --field-selector spec.nodeName=NODE -o json` from a fixed
// table and forwards `kubectl -n NS exec POD -c CONTAINER -- argv...` to the OVS sandbox chassis
// that POD stands for (its OVS_RUNDIR/OVN_RUNDIR), logging every argv it runs. It checks the
// namespace, label selector and container like the API server would, so a wrong layout fails.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StandinNode {
  readonly node: string;
  readonly pod: string;
  /** Environment of the chassis the pod stands for. */
  readonly env: Record<string, string>;
}

export interface StandinLayout {
  readonly namespace: string;
  readonly selector: string;
  readonly container: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes `<dir>/kubectl` and returns its path; every exec'd argv is appended to `<dir>/kubectl.log` (words separated by \x1f). */
export function writeKubectlStandin(dir: string, layout: StandinLayout, nodes: readonly StandinNode[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kubectl');
  const log = join(dir, 'kubectl.log');
  writeFileSync(log, '');
  const podsCase = nodes.map((n) => `    ${q(n.node)}) echo '{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"${n.pod}","namespace":"${layout.namespace}"},"status":{"phase":"Running"}}]}' ;;`).join('\n');
  const execCase = nodes
    .map((n) => `    ${q(n.pod)}) ${Object.entries(n.env).map(([k, v]) => `export ${k}=${q(v)};`).join(' ')} ;;`)
    .join('\n');
  writeFileSync(
    file,
    `#!/bin/sh
# stand-in kubectl (tests only; see test/ssh/kubectl-standin.ts)
while :; do
  case "$1" in
    --context=*|--kubeconfig=*|--request-timeout=*) shift ;;
    *) break ;;
  esac
done
[ "$1" = "-n" ] || { echo "error: stand-in kubectl needs -n" >&2; exit 1; }
ns="$2"; shift 2
if [ "$ns" != ${q(layout.namespace)} ]; then
  [ "$1" = get ] && { echo '{"apiVersion":"v1","kind":"List","items":[]}'; exit 0; }
  echo "Error from server (NotFound): namespaces \\"$ns\\" not found" >&2; exit 1
fi
case "$1" in
  get)
    [ "$2" = pods ] && [ "$3" = -l ] || { echo "error: unsupported" >&2; exit 1; }
    [ "$4" = ${q(layout.selector)} ] || { echo '{"apiVersion":"v1","kind":"List","items":[]}'; exit 0; }
    node="\${6#spec.nodeName=}"
    case "$node" in
${podsCase}
    *) echo '{"apiVersion":"v1","kind":"List","items":[]}' ;;
    esac
    exit 0 ;;
  exec)
    pod="$2"
    [ "$3" = -c ] || { echo "error: stand-in needs -c" >&2; exit 1; }
    [ "$4" = ${q(layout.container)} ] || { echo "error: container $4 is not valid for pod $pod" >&2; exit 1; }
    [ "$5" = -- ] || { echo "error: stand-in needs --" >&2; exit 1; }
    shift 5
    case "$pod" in
${execCase}
    *) echo "Error from server (NotFound): pods \\"$pod\\" not found" >&2; exit 1 ;;
    esac
    us=$(printf '\\037'); line=''; for a in "$@"; do line="$line$a$us"; done
    printf '%s\\n' "$line" >> ${q(log)}   # one write per line: several execs run at once
    command -v "$1" >/dev/null 2>&1 || { echo "OCI runtime exec failed: exec failed: unable to start container process: exec: \\"$1\\": executable file not found in \\$PATH: unknown" >&2; echo "command terminated with exit code 126" >&2; exit 126; }
    exec "$@" ;;
esac
echo "error: unsupported stand-in command $1" >&2
exit 1
`,
  );
  chmodSync(file, 0o755);
  return file;
}
