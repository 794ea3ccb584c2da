using System.Text.Json.Nodes;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>RBAC rules flattened to (apiGroup, resource, verb), the unit a grant is judged by.</summary>
internal static class RbacRules
{
    public static IReadOnlySet<(string Group, string Resource, string Verb)> Flatten(JsonObject role)
    {
        var set = new HashSet<(string, string, string)>();
        foreach (var rule in role["rules"]!.AsArray().OfType<JsonObject>())
        {
            // Any narrowing or widening beyond group/resource/verb is a finding of its own.
            Assert.Null(rule["resourceNames"]);
            Assert.Null(rule["nonResourceURLs"]);
            foreach (var group in rule["apiGroups"].Strings())
            {
                foreach (var resource in rule["resources"].Strings())
                {
                    foreach (var verb in rule["verbs"].Strings())
                    {
                        set.Add((group, resource, verb));
                    }
                }
            }
        }

        return set;
    }
}
