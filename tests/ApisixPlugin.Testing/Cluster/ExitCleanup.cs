namespace ApisixPlugin.Testing.Cluster;

/// <summary>
/// Cleanups still owed (kill a server, delete a data dir), run on a normal process exit, including
/// SIGTERM to the test host, which .NET turns into ProcessExit, even if a fixture was never disposed.
/// </summary>
internal static class ExitCleanup
{
    private static readonly Lock Gate = new();
    private static readonly List<(object Owner, Action Cleanup)> Pending = [];
    private static bool _hooked;

    public static void Register(object owner, Action cleanup)
    {
        lock (Gate)
        {
            Pending.Add((owner, cleanup));
            if (!_hooked)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll();
                _hooked = true;
            }
        }
    }

    public static void Unregister(object owner)
    {
        lock (Gate)
        {
            Pending.RemoveAll(p => ReferenceEquals(p.Owner, owner));
        }
    }

    private static void RunAll()
    {
        (object Owner, Action Cleanup)[] owed;
        lock (Gate)
        {
            owed = [.. Pending];
            Pending.Clear();
        }

        // Last registered first, like nested disposal: servers stop before their data dir goes.
        foreach (var (_, cleanup) in owed.Reverse())
        {
            try
            {
                cleanup();
            }
            catch (IOException)
            {
                // Best effort at exit: a leftover temp dir is harmless, a leftover server is not.
            }
        }
    }
}
