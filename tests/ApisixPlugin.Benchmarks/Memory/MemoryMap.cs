using System.Globalization;

namespace ApisixPlugin.Benchmarks.Memory;

/// <summary>
/// What a process's resident set is made of, from /proc/&lt;pid&gt;/smaps, by mapping:
/// <list type="bullet">
/// <item>program code and read-only data: the executable's r-x and r-- mappings (file pages: shared, reclaimable);</item>
/// <item>program data: its rw- mapping and the anonymous mapping right after it, which is .bss and, in a NativeAOT
/// file, the type data the runtime writes out ("hydrates") at start;</item>
/// <item>GC heap: the largest anonymous reservation (the GC's regions) and the anonymous mappings contiguous with it
/// (committed regions and the GC's card and mark tables);</item>
/// <item>thread stacks: anonymous rw- mappings behind a one-page guard, and [stack];</item>
/// <item>native heap and other: [heap] and every other anonymous mapping (malloc arenas, runtime structures);</item>
/// <item>shared libraries: every other file mapping (libc, OpenSSL, ...).</item>
/// </list>
/// </summary>
internal sealed record MemoryMap(long CodeKiB, long ReadOnlyDataKiB, long ProgramDataKiB, long GcHeapKiB, long StacksKiB, long NativeKiB, long LibrariesKiB)
{
    public long TotalKiB => CodeKiB + ReadOnlyDataKiB + ProgramDataKiB + GcHeapKiB + StacksKiB + NativeKiB + LibrariesKiB;

    private sealed record Mapping(ulong Start, ulong End, string Permissions, string Path, long RssKiB)
    {
        public bool Anonymous => Path.Length == 0;
    }

    /// <summary>The process's map now, or null once it is gone.</summary>
    public static MemoryMap? Read(int pid)
    {
        List<Mapping> mappings;
        string exe;
        try
        {
            exe = new FileInfo($"/proc/{pid}/exe").LinkTarget ?? "";
            mappings = Parse(File.ReadAllLines($"/proc/{pid}/smaps"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var gc = GcRange(mappings);
        long code = 0, readOnly = 0, data = 0, heap = 0, stacks = 0, native = 0, libraries = 0;
        var lastProgramEnd = mappings.Where(m => m.Path == exe).Select(m => m.End).DefaultIfEmpty().Max();
        for (var i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            if (m.Path == exe)
            {
                switch (m.Permissions[..3])
                {
                    case "r-x":
                        code += m.RssKiB;
                        break;
                    case "r--":
                        readOnly += m.RssKiB;
                        break;
                    default:
                        data += m.RssKiB;
                        break;
                }
            }
            else if (m.Anonymous && m.Start == lastProgramEnd)
            {
                data += m.RssKiB;
            }
            else if (m.Anonymous && gc is var (low, high) && m.Start >= low && m.End <= high)
            {
                heap += m.RssKiB;
            }
            else if (m.Path == "[stack]"
                || (m.Anonymous && m.Permissions.StartsWith("rw", StringComparison.Ordinal) && i > 0
                    && mappings[i - 1] is { Anonymous: true, Permissions: "---p" } guard && guard.End == m.Start && guard.End - guard.Start == 4096))
            {
                stacks += m.RssKiB;
            }
            else if (m.Anonymous || m.Path == "[heap]")
            {
                native += m.RssKiB;
            }
            else if (!m.Path.StartsWith('['))
            {
                libraries += m.RssKiB;
            }
        }

        return new MemoryMap(code, readOnly, data, heap, stacks, native, libraries);
    }

    /// <summary>The address range of the largest anonymous reservation and the anonymous mappings contiguous with it.</summary>
    private static (ulong Low, ulong High)? GcRange(List<Mapping> mappings)
    {
        var largest = -1;
        for (var i = 0; i < mappings.Count; i++)
        {
            if (mappings[i] is { Anonymous: true, Permissions: "---p" } m
                && (largest < 0 || m.End - m.Start > mappings[largest].End - mappings[largest].Start))
            {
                largest = i;
            }
        }

        if (largest < 0)
        {
            return null;
        }

        var first = largest;
        while (first > 0 && mappings[first - 1].Anonymous && mappings[first - 1].End == mappings[first].Start)
        {
            first--;
        }

        var last = largest;
        while (last + 1 < mappings.Count && mappings[last + 1].Anonymous && mappings[last + 1].Start == mappings[last].End)
        {
            last++;
        }

        return (mappings[first].Start, mappings[last].End);
    }

    private static List<Mapping> Parse(string[] lines)
    {
        var mappings = new List<Mapping>();
        foreach (var line in lines)
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && IsHex(line.AsSpan(0, dash)))
            {
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                mappings.Add(new Mapping(
                    ulong.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields[1],
                    fields.Length > 5 ? fields[5].Trim() : "",
                    0));
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal) && mappings.Count > 0)
            {
                mappings[^1] = mappings[^1] with { RssKiB = long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) };
            }
        }

        return mappings;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return text.Length > 0;
    }
}
