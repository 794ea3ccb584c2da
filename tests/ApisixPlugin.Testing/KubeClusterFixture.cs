using System.Security.Cryptography;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Crds;
using ApisixPlugin.Testing.Routes;
using k8s;
using k8s.Models;
using Xunit;

namespace ApisixPlugin.Testing;

/// <summary>
/// One real cluster (etcd + kube-apiserver + the ApisixRoute CRD chosen by APISIX_CRD) per test
/// assembly. Use it as an xunit collection fixture; each test makes its own namespace.
/// <code>
/// [CollectionDefinition("kube")] public sealed class KubeCollection : ICollectionFixture&lt;KubeClusterFixture&gt;;
/// </code>
/// Derive from it to add project-specific setup (override InitializeAsync and call base first).
/// </summary>
public class KubeClusterFixture : IAsyncLifetime
{
    private KubeApiServer? _server;
    private IKubernetes? _admin;

    public KubeApiServer Server => _server ?? throw NotStarted();

    /// <summary>Client as <see cref="KubeUsers.Admin"/> (system:masters).</summary>
    public IKubernetes Admin => _admin ?? throw NotStarted();

    public ApisixCrd Crd { get; private set; } = null!;

    /// <summary>ApisixRoute helpers as the admin.</summary>
    public ApisixRouteApi ApisixRoutes { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Crd = ApisixCrd.FromEnvironment();
        _server = await KubeApiServer.StartAsync();
        _admin = _server.CreateClient(KubeUsers.Admin);
        ApisixRoutes = new ApisixRouteApi(_admin);
        try
        {
            await CrdInstaller.InstallAsync(_admin, Crd, CancellationToken.None);
        }
        catch (Exception e)
        {
            var log = _server.ApiServerLogTail();
            await DisposeAsync();
            throw new InvalidOperationException($"installing {Crd.YamlPath} failed: {e.Message}\nlast lines of kube-apiserver's log:\n{log}", e);
        }
    }

    public IKubernetes ClientFor(string user) => Server.CreateClient(user);

    public string KubeconfigFor(string user) => Server.KubeconfigPath(user);

    /// <summary>Creates a namespace with a unique name starting with <paramref name="prefix"/> and returns the name.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken);
        return name;
    }

    /// <summary>Grants <paramref name="user"/> exactly these rules in one namespace (a Role plus a RoleBinding).</summary>
    public async Task GrantAsync(string ns, string user, IReadOnlyList<V1PolicyRule> rules, CancellationToken cancellationToken = default)
    {
        var roleName = $"grant-{user}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role { Metadata = new V1ObjectMeta { Name = roleName }, Rules = [.. rules] }, ns, cancellationToken: cancellationToken);
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = roleName },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = roleName },
                Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
            },
            ns,
            cancellationToken: cancellationToken);
        var calls = rules
            .Where(rule => rule.Resources is { Count: > 0 } && rule.ResourceNames is not { Count: > 0 })
            .SelectMany(rule => rule.Verbs.Select(verb => (rule.ApiGroups?.FirstOrDefault() ?? "", rule.Resources[0], verb)));
        await WaitUntilAuthorizedAsync(user, ns, calls, allowed: true, cancellationToken);
    }

    /// <summary>
    /// The API server's RBAC authorizer reads Roles and bindings from an informer cache, so a grant
    /// just written (or removed) can still be refused (or allowed) for a moment: a 403 once failed
    /// a consent test in CI. Asks the same authorizer, through SubjectAccessReviews, until each of
    /// <paramref name="calls"/> (group, resource, verb) in <paramref name="ns"/> is answered
    /// <paramref name="allowed"/>; 10 s at most.
    /// </summary>
    public async Task WaitUntilAuthorizedAsync(
        string user, string ns, IEnumerable<(string Group, string Resource, string Verb)> calls, bool allowed, CancellationToken cancellationToken = default)
    {
        var pending = calls.ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var answers = await Task.WhenAll(pending.Select(async call => (Call: call, Review: await Admin.AuthorizationV1.CreateSubjectAccessReviewAsync(
                new V1SubjectAccessReview
                {
                    Spec = new V1SubjectAccessReviewSpec
                    {
                        User = user,
                        ResourceAttributes = new V1ResourceAttributes { Group = call.Group, Resource = call.Resource, Verb = call.Verb, NamespaceProperty = ns },
                    },
                },
                cancellationToken: cancellationToken))));
            pending = [.. answers.Where(answer => answer.Review.Status.Allowed != allowed).Select(answer => answer.Call)];
            if (pending.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var still = string.Join(", ", pending.Select(call => $"{call.Verb} {call.Resource}"));
                throw new TimeoutException($"user {user} in namespace {ns}: {still} still {(allowed ? "refused" : "allowed")} 10 s after the RBAC change");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>What deploy/ grants the plugin: ApisixRoutes and Events, nothing more.</summary>
    public static IReadOnlyList<V1PolicyRule> PluginRules { get; } =
    [
        new V1PolicyRule { ApiGroups = ["apisix.apache.org"], Resources = ["apisixroutes"], Verbs = ["get", "list", "patch", "create", "delete"] },
        new V1PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create"] },
    ];

    /// <summary>A fresh namespace in which the <see cref="KubeUsers.Plugin"/> user has <see cref="PluginRules"/>.</summary>
    public async Task<string> PluginNamespaceAsync(string prefix)
    {
        var ns = await CreateNamespaceAsync(prefix);
        await GrantAsync(ns, KubeUsers.Plugin, PluginRules);
        return ns;
    }

    public virtual async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static InvalidOperationException NotStarted() => new("the kube cluster fixture has not been initialized");
}
