using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>
/// The experiment backends this plugin added to each rule of a route, as recorded in the route's
/// <see cref="ApisixRouteConventions.AddedBackendsAnnotation"/> annotation.
/// </summary>
public sealed record AddedBackends(ImmutableSortedDictionary<string, ImmutableSortedSet<string>> ByRule)
{
    public static readonly AddedBackends None = new(ImmutableSortedDictionary<string, ImmutableSortedSet<string>>.Empty.WithComparers(StringComparer.Ordinal));

    public static AddedBackends Read(ApisixRouteSnapshot route)
    {
        var text = route.Annotation(ApisixRouteConventions.AddedBackendsAnnotation);
        if (string.IsNullOrEmpty(text))
        {
            return None;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var byRule = None.ByRule.ToBuilder();
            foreach (var rule in document.RootElement.EnumerateObject())
            {
                byRule[rule.Name] = rule.Value.EnumerateArray().Select(s => s.GetString() ?? "").ToImmutableSortedSet(StringComparer.Ordinal);
            }

            return new AddedBackends(byRule.ToImmutable());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw RouterException.Precondition(
                $"route {route.Key}: annotation {ApisixRouteConventions.AddedBackendsAnnotation} is not a JSON object of rule name to service names ({e.Message}); fix or remove it");
        }
    }

    public ImmutableSortedSet<string> For(string rule) =>
        ByRule.TryGetValue(rule, out var services) ? services : ImmutableSortedSet<string>.Empty;

    public AddedBackends With(string rule, IEnumerable<string> services) => With([rule], services);

    /// <summary>The record with each of <paramref name="rules"/> set to the same services (none: removed).</summary>
    public AddedBackends With(IEnumerable<string> rules, IEnumerable<string> services)
    {
        // One builder for all rules: a route with hundreds of configured rules is updated in one go
        // instead of through an immutable copy per rule.
        var set = services.ToImmutableSortedSet(StringComparer.Ordinal);
        var byRule = ByRule.ToBuilder();
        foreach (var rule in rules)
        {
            if (set.IsEmpty)
            {
                byRule.Remove(rule);
            }
            else
            {
                byRule[rule] = set;
            }
        }

        return new AddedBackends(byRule.ToImmutable());
    }

    public bool IsEmpty => ByRule.IsEmpty;

    /// <summary>Canonical JSON (sorted), so that an unchanged record compares equal as text.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (rule, services) in ByRule)
            {
                writer.WriteStartArray(rule);
                foreach (var service in services)
                {
                    writer.WriteStringValue(service);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
