using ApisixPlugin.Sidecar.Hosting;

return await new SidecarCommandLine(ServeAsync).InvokeAsync(args, Console.Out, Console.Error);

// The switches given win over environment variables and appsettings.json, added after them.
static Task<int> ServeAsync(IReadOnlyDictionary<string, string?> switches)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Configuration.AddInMemoryCollection(switches);
    builder.AddSidecarLogging().AddSidecarServices().AddSidecarEndpoints();
    return builder.RunSidecarAsync();
}
