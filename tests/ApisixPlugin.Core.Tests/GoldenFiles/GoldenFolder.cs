using System.Runtime.CompilerServices;

namespace ApisixPlugin.Core.Tests.GoldenFiles;

/// <summary>
/// The case folders of one kind of golden file, Golden/&lt;kind&gt;/&lt;case&gt;/, and the one
/// UPDATE_GOLDEN mechanism every kind shares: cases are read from the build output, unless
/// <c>UPDATE_GOLDEN=1</c>, when they are read from and written to the source tree, so that the
/// rewritten files are the ones a reviewer diffs and commits.
/// </summary>
internal sealed class GoldenFolder(string kind)
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public string Kind { get; } = kind;

    /// <summary>Where the cases are read from: the build output, or the source tree when updating.</summary>
    public string Root => Updating ? SourceRoot : Path.Combine(AppContext.BaseDirectory, "Golden", Kind);

    public string SourceRoot => SourceTree(Kind);

    /// <summary>The case folders, in ordinal order so test names come out the same everywhere.</summary>
    public IEnumerable<string> Names() =>
        Directory.EnumerateDirectories(Root).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal);

    public string Read(string name, string file) =>
        ReadIfPresent(name, file) ?? throw new FileNotFoundException($"{Kind}/{name}: {file} is missing", Path.Combine(Root, name, file));

    public string? ReadIfPresent(string name, string file)
    {
        var path = Path.Combine(Root, name, file);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Writes a file of a case into the source tree; only ever while updating.</summary>
    public void Write(string name, string file, string text)
    {
        if (!Updating)
        {
            throw new InvalidOperationException($"{Kind}/{name}: {file} is written only with UPDATE_GOLDEN=1");
        }

        File.WriteAllText(Path.Combine(SourceRoot, name, file), text);
    }

    /// <summary>
    /// The reviewed content of <paramref name="file"/> to compare <paramref name="produced"/> with;
    /// while updating, <paramref name="produced"/> is written first, so the comparison passes and
    /// the diff shows what changed. Null when the file does not exist (a new case not yet updated).
    /// </summary>
    public string? Expected(string name, string file, string produced)
    {
        if (Updating)
        {
            Write(name, file, produced);
        }

        return ReadIfPresent(name, file);
    }

    private static string SourceTree(string kind, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "Golden", kind));
}
