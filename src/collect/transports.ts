import type { HostSpec } from '../model/inventory.js';
import { fail, ok, type Result } from '../model/result.js';
import { createKubectlTransport } from './kubectl-transport.js';
import { createLocalTransport } from './local-transport.js';
import { PassphraseProvider } from './ssh-auth.js';
import { resolveRoute, type SshConfigSource } from './ssh-config.js';
import { createSshTransport } from './ssh-transport.js';
import type { Transport } from './transport.js';

export interface SshFactoryOptions {
  /** Parsed ssh_config (`loadSshConfig`). */
  readonly config: SshConfigSource;
  readonly acceptNew: boolean;
  readonly passphrases: PassphraseProvider;
  /** $SSH_AUTH_SOCK. */
  readonly agentSocket?: string;
  readonly connectTimeoutMs?: number;
  readonly keepaliveMs?: number;
  readonly maxChannels?: number;
}

export interface TransportFactoryOptions {
  readonly onExec?: (host: string, argv: readonly string[]) => void;
  /** Needed for hosts with transport ssh. */
  readonly ssh?: SshFactoryOptions;
  /** The kubectl program for transport kubectl (default: `kubectl` on PATH). */
  readonly kubectl?: string;
  readonly kubectlEnv?: NodeJS.ProcessEnv;
  /** Things worth telling the user (a host key added with --accept-new). */
  readonly onNotice?: (host: string, message: string) => void;
}

/** Builds the transport an inventory entry asks for. */
export function createTransport(spec: HostSpec, options: TransportFactoryOptions = {}): Result<Transport> {
  const onExec = (argv: readonly string[]) => options.onExec?.(spec.name, argv);
  switch (spec.transport) {
    case 'local':
      return ok(createLocalTransport({ host: spec.name, wrapper: spec.wrapper, onExec }));
    case 'ssh': {
      const ssh = options.ssh;
      if (!ssh) return fail(`host ${spec.name}: ssh settings were not loaded (internal error)`, 4);
      const route = resolveRoute(ssh.config, { host: spec.address ?? spec.name, user: spec.user, port: spec.port, proxyJump: spec.proxyJump, identityFiles: spec.identityFiles });
      if (!route.ok) return fail(`host ${spec.name}: ${route.error.message}`);
      return ok(
        createSshTransport({
          host: spec.name,
          route: route.value,
          wrapper: spec.wrapper,
          acceptNew: ssh.acceptNew,
          passphrases: ssh.passphrases,
          agentSocket: ssh.agentSocket,
          defaultConnectTimeoutMs: ssh.connectTimeoutMs ?? 15_000,
          defaultKeepaliveMs: ssh.keepaliveMs ?? 15_000,
          maxChannels: ssh.maxChannels,
          onExec,
          onNotice: (m) => options.onNotice?.(spec.name, m),
        }),
      );
    }
    case 'kubectl':
      if (!spec.kubectl) return fail(`host ${spec.name}: transport kubectl needs kubectl settings (internal error)`, 4);
      return ok(createKubectlTransport({ host: spec.name, target: spec.kubectl, wrapper: spec.wrapper, kubectl: options.kubectl, env: options.kubectlEnv, onExec }));
  }
}
