// Static checks of the kustomize base in deploy/kubernetes/: no cluster runs here, so every
// manifest is parsed and validated against the Kubernetes schemas (kubernetes-models), and the
// probes, ports and environment are checked against the gateway's own configuration module.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { IContainer, IContainerPort, IProbe } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

import { CONFIG_VARIABLES, loadConfig } from '../src/config';

const BASE = join(__dirname, '..', 'deploy', 'kubernetes');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The schema class of each kind the base may hold. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const parseFile = (file: string): unknown[] =>
  parseAllDocuments(readFileSync(join(BASE, file), 'utf8')).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as unknown;
  });

const kustomization = parseFile('kustomization.yaml')[0] as {
  apiVersion: string;
  kind: string;
  resources: string[];
};
const manifests: Manifest[] = kustomization.resources.flatMap(
  (file) => parseFile(file) as Manifest[],
);
const only = <T>(kind: string): T => {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as unknown as T;
};

const deployment = only<Deployment>('Deployment');
const pod = deployment.spec!.template.spec!;
const container = pod.containers[0] as IContainer;
const configMap = only<ConfigMap>('ConfigMap');
const service = only<Service>('Service');

/** The container's environment: env values, the ConfigMap's keys, a secret's placeholder. */
const SECRET_PLACEHOLDERS: Record<string, string> = {
  TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32),
  GATEWAY_API_KEYS: 'a-service-key-of-24-chars',
};
const containerEnv = (): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    expect(source.configMapRef?.name).toBe(configMap.metadata?.name);
    Object.assign(env, configMap.data);
  }
  for (const variable of container.env ?? []) {
    env[variable.name] = variable.valueFrom?.secretKeyRef
      ? (SECRET_PLACEHOLDERS[variable.name] ?? 'placeholder')
      : (variable.value ?? '');
  }
  return env;
};

const portNamed = (name: string | number | undefined): IContainerPort => {
  const port = container.ports?.find((candidate) =>
    typeof name === 'number' ? candidate.containerPort === name : candidate.name === name,
  );
  expect(port).toBeDefined();
  return port as IContainerPort;
};

const httpGetOf = (probe: IProbe | undefined) => {
  expect(probe?.httpGet).toBeDefined();
  return probe!.httpGet!;
};

describe('deploy/kubernetes as a kustomize base', () => {
  it('is a Kustomization whose resources all exist, and lists every manifest', () => {
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    for (const file of kustomization.resources) expect(existsSync(join(BASE, file))).toBe(true);
    const onDisk = readdirSync(BASE)
      .filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml')
      .sort();
    expect([...kustomization.resources].sort()).toEqual(onDisk);
    expect(new Set(kustomization.resources).size).toBe(kustomization.resources.length);
  });

  it('holds the Deployment, Service, PDB, HPA, NetworkPolicy, ConfigMap and ServiceAccount', () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    // No Secret in git: the base refers to Secrets the operator creates.
    expect(manifests.some((manifest) => manifest.kind === 'Secret')).toBe(false);
  });

  it.each(manifests.map((manifest) => [`${manifest.kind} ${manifest.metadata.name}`, manifest]))(
    '%s is valid against the Kubernetes schema',
    (_name, manifest) => {
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model!(manifest as never).validate()).not.toThrow();
    },
  );

  it('the schema check is real: a wrong type is refused', () => {
    const broken = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } };
    };
    broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'http';
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort/);
  });
});

describe('the Deployment', () => {
  it('reads only variables the configuration reads, and is a valid production configuration', () => {
    const env = containerEnv();
    for (const name of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(name);
    for (const name of Object.keys(configMap.data ?? {})) expect(CONFIG_VARIABLES).toContain(name);
    const config = loadConfig(env);
    expect(config.environment).toBe('production');
    expect(config.credentials.source).toEqual({
      kind: 'credentials-file',
      file: '/var/run/secrets/seek-gateway/credentials.json',
    });
  });

  it('opens PORT as `http` and METRICS_PORT as `metrics`', () => {
    const config = loadConfig(containerEnv());
    expect(portNamed('http').containerPort).toBe(config.port);
    expect(portNamed('metrics').containerPort).toBe(config.network.metrics.port);
    expect(config.network.metrics.port).toBe(9464);
    expect(container.ports).toHaveLength(2);
    // Prometheus scrapes the pod's metrics port.
    const annotations = deployment.spec!.template.metadata?.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(config.network.metrics.port);
    expect(annotations['prometheus.io/path']).toBe('/metrics');
  });

  it('probes liveness at /health on PORT and readiness at /ready on METRICS_PORT', () => {
    const config = loadConfig(containerEnv());
    const liveness = httpGetOf(container.livenessProbe);
    expect(liveness.path).toBe('/health');
    expect(portNamed(liveness.port).containerPort).toBe(config.port);
    const startup = httpGetOf(container.startupProbe);
    expect(startup.path).toBe('/health');
    expect(portNamed(startup.port).containerPort).toBe(config.port);
    const readiness = httpGetOf(container.readinessProbe);
    expect(readiness.path).toBe('/ready');
    expect(portNamed(readiness.port).containerPort).toBe(config.network.metrics.port);
  });

  it('outlasts the drain: grace period > preStop sleep + SHUTDOWN_TIMEOUT_MS + the last resort', () => {
    const config = loadConfig(containerEnv());
    const command = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(command[0]).toBe('sleep');
    const preStopMs = Number(command[1]) * 1_000;
    expect(preStopMs).toBeGreaterThan(0);
    const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1_000;
    expect(graceMs).toBeGreaterThan(preStopMs + config.http.shutdownTimeoutMs + 2_000);
  });

  it('runs non-root on a read-only root filesystem with no privileges', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.securityContext?.privileged).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(only<ServiceAccount>('ServiceAccount').metadata?.name);
  });

  it('requests CPU and memory and bounds memory', () => {
    expect(container.resources?.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources?.limits?.memory).toEqual(expect.any(String));
  });

  it('reads the credentials from a Secret file of mode 0440 owned by fsGroup', () => {
    const file = containerEnv().SEEK_CREDENTIALS_FILE!;
    const mount = container.volumeMounts?.find((candidate) =>
      file.startsWith(`${candidate.mountPath}/`),
    );
    expect(mount?.readOnly).toBe(true);
    const volume = pod.volumes?.find((candidate) => candidate.name === mount?.name);
    expect(volume?.secret?.defaultMode).toBe(0o440);
    expect(volume?.secret?.items?.map((item) => `${mount?.mountPath}/${item.path}`)).toEqual([
      file,
    ]);
    expect(pod.securityContext?.fsGroup).toEqual(expect.any(Number));
    // Nothing secret in the plain env or the ConfigMap: those come by secretKeyRef.
    for (const variable of container.env ?? []) {
      if (/SECRET|KEY/.test(variable.name)) expect(variable.valueFrom?.secretKeyRef).toBeDefined();
    }
    for (const name of Object.keys(configMap.data ?? {})) expect(name).not.toMatch(/SECRET|KEY/);
  });
});

describe('the Service, PDB, HPA and NetworkPolicy', () => {
  const podLabels = deployment.spec!.template.metadata?.labels ?? {};
  /** The selector is not empty and matches the Deployment's pods. */
  const selects = (selector: Record<string, string> | undefined) => {
    expect(Object.keys(selector ?? {}).length).toBeGreaterThan(0);
    expect(podLabels).toMatchObject(selector ?? {});
  };

  it('the Service publishes the gateway port only, never the metrics port', () => {
    selects(service.spec?.selector);
    const ports = service.spec?.ports ?? [];
    expect(ports).toHaveLength(1);
    const metrics = portNamed('metrics');
    for (const port of ports) {
      const target = portNamed(port.targetPort ?? port.port);
      expect(target.name).toBe('http');
      expect(target.containerPort).not.toBe(metrics.containerPort);
      expect(port.port).not.toBe(metrics.containerPort);
    }
  });

  it('the PDB and HPA cover the Deployment, two replicas at least', () => {
    const pdb = only<PodDisruptionBudget>('PodDisruptionBudget');
    selects(pdb.spec?.selector?.matchLabels);
    expect(pdb.spec?.maxUnavailable).toBe(1);
    const hpa = only<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata?.name,
    });
    expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec?.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
  });

  it('the NetworkPolicy admits the gateway port and the metrics port, each from its namespace', () => {
    const policy = only<NetworkPolicy>('NetworkPolicy');
    selects(policy.spec?.podSelector.matchLabels);
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    const ingress = (policy.spec?.ingress ?? []).map((rule) => ({
      ports: (rule.ports ?? []).map((port) => port.port),
      from: (rule.from ?? []).map(
        (peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
      ),
    }));
    expect(ingress).toEqual([
      { ports: [portNamed('http').containerPort], from: ['ingress-nginx'] },
      { ports: [portNamed('metrics').containerPort], from: ['monitoring'] },
    ]);
  });

  it('the NetworkPolicy lets out DNS, HTTPS, Redis and OTLP, nothing else', () => {
    const policy = only<NetworkPolicy>('NetworkPolicy');
    const egress = (policy.spec?.egress ?? []).flatMap((rule) =>
      (rule.ports ?? []).map((port) => `${port.protocol ?? 'TCP'}/${port.port}`),
    );
    expect(egress.sort()).toEqual(
      ['UDP/53', 'TCP/53', 'TCP/443', 'TCP/6379', 'TCP/6380', 'TCP/26379', 'TCP/4318'].sort(),
    );
    // Every rule names its ports: no rule lets everything out.
    for (const rule of policy.spec?.egress ?? []) expect(rule.ports?.length).toBeGreaterThan(0);
  });
});
