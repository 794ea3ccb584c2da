using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.Protos.V1;

namespace ApisixPlugin.Bridge.Mapping;

/// <summary>argo-rollouts' SetHeaderRoute and SetMirrorRoute, by field name, to their proto twins.</summary>
internal static class RouteMapper
{
    public static SetHeaderRoute MapHeaderRoute(GobValue? route)
    {
        var result = new SetHeaderRoute { Name = RolloutMapper.Text(route, "Name") };
        foreach (var match in route?.Field("Match")?.AsList() ?? [])
        {
            var mapped = new HeaderRoutingMatch { HeaderName = RolloutMapper.Text(match, "HeaderName") };
            if (match.Field("HeaderValue") is { } value)
            {
                mapped.HeaderValue = MapStringMatch(value);
            }
            result.Match.Add(mapped);
        }
        return result;
    }

    public static SetMirrorRoute MapMirrorRoute(GobValue? route)
    {
        var result = new SetMirrorRoute { Name = RolloutMapper.Text(route, "Name") };
        foreach (var match in route?.Field("Match")?.AsList() ?? [])
        {
            var mapped = new RouteMatch();
            if (match.Field("Method") is { } method)
            {
                mapped.Method = MapStringMatch(method);
            }
            if (match.Field("Path") is { } path)
            {
                mapped.Path = MapStringMatch(path);
            }
            foreach (var (name, value) in match.Field("Headers")?.AsMap() ?? [])
            {
                mapped.Headers[name.AsString()] = MapStringMatch(value);
            }
            result.Match.Add(mapped);
        }
        // *int32: gob sends nothing for nil and for 0 alike; absent means "all" (100) to the sidecar.
        if (route?.Field("Percentage") is { } percentage)
        {
            result.Percentage = (int)percentage.AsInt64();
        }
        return result;
    }

    private static StringMatch MapStringMatch(GobValue value) => new()
    {
        Exact = RolloutMapper.Text(value, "Exact"),
        Prefix = RolloutMapper.Text(value, "Prefix"),
        Regex = RolloutMapper.Text(value, "Regex"),
    };
}
