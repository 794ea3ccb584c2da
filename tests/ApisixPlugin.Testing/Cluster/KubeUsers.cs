namespace ApisixPlugin.Testing.Cluster;

/// <summary>
/// The users the test API server knows (static bearer tokens). Only <see cref="Admin"/> has a group
/// (system:masters); the others can do nothing until a test binds a role to them.
/// </summary>
public static class KubeUsers
{
    public const string Admin = "admin";

    /// <summary>Stands for the plugin's service account in RBAC tests.</summary>
    public const string Plugin = "plugin";

    /// <summary>Another controller or person writing the same objects.</summary>
    public const string SomeoneElse = "someone-else";

    public const string Reader = "reader";

    public static IReadOnlyList<string> All { get; } = [Admin, Plugin, SomeoneElse, Reader];
}
