using System.Globalization;
using System.Text.RegularExpressions;

namespace ApisixPlugin.Benchmarks.EndToEnd;

/// <summary>Sums samples of one metric in Prometheus text exposition, grouped by one label, filtered by others.</summary>
internal static partial class PrometheusText
{
    public static Dictionary<string, double> SumBy(string text, string metric, string groupLabel, IReadOnlyDictionary<string, string>? filter = null)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            var labels = Label().Matches(line[(metric.Length + 1)..close])
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            if (filter is not null && filter.Any(f => !labels.TryGetValue(f.Key, out var v) || v != f.Value))
            {
                continue;
            }

            var value = double.Parse(line[(close + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            var key = labels.GetValueOrDefault(groupLabel, "");
            sums[key] = sums.GetValueOrDefault(key) + value;
        }

        return sums;
    }

    /// <summary>after - before, per key (keys of either side).</summary>
    public static Dictionary<string, double> Delta(Dictionary<string, double> before, Dictionary<string, double> after) =>
        after.Keys.Union(before.Keys).ToDictionary(k => k, k => after.GetValueOrDefault(k) - before.GetValueOrDefault(k), StringComparer.Ordinal);

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
