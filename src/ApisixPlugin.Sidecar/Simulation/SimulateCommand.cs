namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>Placeholder until the simulation lands; replaced in the next commit.</summary>
internal static class SimulateCommand
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        error.WriteLine("simulate: not built yet");
        return Task.FromResult(1);
    }
}
