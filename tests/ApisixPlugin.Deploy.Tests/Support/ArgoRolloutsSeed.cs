namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// What an Argo Rollouts install gives the plugin's patches to land on, reduced to what they touch:
/// the controller Deployment with its own mounts, its ServiceAccount with its ClusterRole and
/// binding (the plugin's rules are added to that role), and its ConfigMap already holding another
/// setting (which the patch must keep). Written for these tests, shaped like the upstream install
/// manifests (the Installable tests render the real one).
/// </summary>
internal static class ArgoRolloutsSeed
{
    public const string ControllerImage = "quay.io/argoproj/argo-rollouts:v1.8.3";

    public const string Yaml = $$"""
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: {{DeployNames.ServiceAccount}}
          namespace: {{DeployNames.Namespace}}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: {{DeployNames.ControllerRole}}
        rules:
          - apiGroups: [argoproj.io]
            resources: [rollouts, rollouts/status]
            verbs: [get, list, watch, update, patch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: {{DeployNames.ControllerRole}}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: {{DeployNames.ControllerRole}}
        subjects:
          - kind: ServiceAccount
            name: {{DeployNames.ServiceAccount}}
            namespace: {{DeployNames.Namespace}}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{DeployNames.ConfigMap}}
          namespace: {{DeployNames.Namespace}}
        data:
          metricProviderPlugins: |-
            - name: example/metrics
              location: file:///opt/metrics/plugin
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{DeployNames.Deployment}}
          namespace: {{DeployNames.Namespace}}
        spec:
          selector:
            matchLabels:
              app.kubernetes.io/name: argo-rollouts
          template:
            metadata:
              labels:
                app.kubernetes.io/name: argo-rollouts
            spec:
              serviceAccountName: {{DeployNames.ServiceAccount}}
              securityContext:
                runAsNonRoot: true
              containers:
                - name: {{DeployNames.ControllerContainer}}
                  image: {{ControllerImage}}
                  args: [--healthzPort=8080, --metricsPort=8090]
                  ports:
                    - name: healthz
                      containerPort: 8080
                    - name: metrics
                      containerPort: 8090
                  volumeMounts:
                    - name: plugin-bin
                      mountPath: /home/argo-rollouts/plugin-bin
                    - name: tmp
                      mountPath: /tmp
              volumes:
                - name: plugin-bin
                  emptyDir: {}
                - name: tmp
                  emptyDir: {}
        """;
}
