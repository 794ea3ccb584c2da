using System.Runtime.InteropServices;

namespace ApisixPlugin.Testing.Cluster;

/// <summary>Sends a signal to a whole process group with kill(2), so helpers a server forked die with it.</summary>
internal static partial class ProcessGroupSignal
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    public static void Terminate(int processGroupId) => Send(processGroupId, SigTerm);

    public static void Kill(int processGroupId) => Send(processGroupId, SigKill);

    private static void Send(int processGroupId, int signal)
    {
        // A negative pid addresses the group. ESRCH (already gone) is fine: there is nothing to stop.
        _ = NativeKill(-processGroupId, signal);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
