namespace ApisixPlugin.Contracts;

/// <summary>The known name a mistyped one was most likely meant to be: "did you mean --metrics-port?".</summary>
public static class CloseMatch
{
    /// <summary>
    /// The name nearest to <paramref name="typed"/> within a few edits (at most 2, or 3 for names
    /// of more than 12 characters), or the only name it is the start of; null when none is close.
    /// </summary>
    public static string? Find(string typed, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(names);
        var known = names.Distinct(StringComparer.Ordinal).ToList();
        var best = known
            .Select(name => (Name: name, Distance: Distance(typed, name)))
            .Where(c => c.Distance > 0 && c.Distance <= (c.Name.Length > 12 ? 3 : 2))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        if (best.Name is not null)
        {
            return best.Name;
        }

        var longer = known.Where(name => typed.Length >= 4 && name.Length > typed.Length && name.StartsWith(typed, StringComparison.Ordinal)).ToList();
        return longer is [var only] ? only : null;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) that turn one string into the other.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
