using System.Security.Cryptography;
using System.Text;

namespace ApisixPlugin.Bridge.Tests.Support;

/// <summary>A content hash of source trees, so that cached builds are reused exactly while the sources are unchanged.</summary>
internal static class SourceHash
{
    private static readonly string[] SkippedDirectories = ["bin", "obj", ".go"];

    public static string Of(IEnumerable<string> roots, IReadOnlyCollection<string> extensions)
    {
        var files = new List<string>();
        foreach (var root in roots)
        {
            if (File.Exists(root))
            {
                files.Add(root);
                continue;
            }
            files.AddRange(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.Ordinal)))
                .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => SkippedDirectories.Contains(part))));
        }
        files.Sort(StringComparer.Ordinal);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(RepoPaths.Root, file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
