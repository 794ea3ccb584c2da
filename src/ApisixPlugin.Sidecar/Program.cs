using ApisixPlugin.Sidecar.Hosting;
using ApisixPlugin.Sidecar.Simulation;

if (args is ["simulate", .. var simulateArgs])
{
    return await SimulateCommand.RunAsync(simulateArgs, Console.Out, Console.Error);
}

var builder = WebApplication.CreateSlimBuilder(SidecarCommandLine.WithoutVerb(args));
builder.Configuration.AddCommandLine(SidecarCommandLine.WithoutVerb(args), SidecarCommandLine.Switches);
builder.AddSidecarLogging().AddSidecarServices().AddSidecarEndpoints();
return await builder.RunSidecarAsync();
