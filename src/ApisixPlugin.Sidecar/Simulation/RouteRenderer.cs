using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Routes;
using DiffPlex;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// Turns an ApisixRoute into what a reader (and a golden file) can compare: the server-assigned
/// uid, resourceVersion, generation and managedFields are dropped (they change with every write
/// and say nothing of the traffic), everything else is kept in stored order.
/// </summary>
internal static class RouteRenderer
{
    private static readonly string[] VolatileMetadata = ["uid", "resourceVersion", "generation", "managedFields"];

    /// <summary>Indented JSON that prints "&lt;" and non-ASCII as they are: for reading and scripts, not for embedding in HTML.</summary>
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject Clean(ApisixRouteSnapshot route)
    {
        var node = JsonElements.ToNode(route.Json)!.AsObject();
        if (node["metadata"] is JsonObject metadata)
        {
            foreach (var field in VolatileMetadata)
            {
                metadata.Remove(field);
            }
        }

        return node;
    }

    public static string Yaml(ApisixRouteSnapshot route) => JsonToYaml.Write(Clean(route));

    /// <summary>
    /// A unified diff without context lines, so that only what changed is shown. Each hunk's header
    /// names the nearest enclosing line (as git names the enclosing function), which tells which
    /// backend a <c>weight</c> line belongs to.
    /// </summary>
    public static string Diff(string before, string after)
    {
        // Without the final newline, so that no empty last line shows up as added or removed.
        var result = Differ.Instance.CreateLineDiffs(before.TrimEnd('\n'), after.TrimEnd('\n'), ignoreWhitespace: false, ignoreCase: false);
        var oldLines = result.PiecesOld;
        var newLines = result.PiecesNew;
        var text = new StringBuilder();
        foreach (var block in result.DiffBlocks)
        {
            var firstChanged = block.DeleteCountA > 0 ? oldLines[block.DeleteStartA] : newLines[block.InsertStartB];
            var heading = block.DeleteCountA > 0
                ? EnclosingLine(oldLines, block.DeleteStartA, firstChanged)
                : EnclosingLine(newLines, block.InsertStartB, firstChanged);
            text.Append("@@ -").Append(Range(block.DeleteStartA, block.DeleteCountA))
                .Append(" +").Append(Range(block.InsertStartB, block.InsertCountB)).Append(" @@");
            if (heading is not null)
            {
                text.Append(' ').Append(heading.Trim());
            }

            text.Append('\n');
            for (var i = 0; i < block.DeleteCountA; i++)
            {
                text.Append('-').Append(oldLines[block.DeleteStartA + i]).Append('\n');
            }

            for (var i = 0; i < block.InsertCountB; i++)
            {
                text.Append('+').Append(newLines[block.InsertStartB + i]).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Unified diff ranges are 1-based; an empty range names the line before it.</summary>
    private static string Range(int start, int count) => count switch
    {
        0 => $"{start},0",
        1 => $"{start + 1}",
        _ => $"{start + 1},{count}",
    };

    private static string? EnclosingLine(IReadOnlyList<string> lines, int index, string changed)
    {
        var indent = Indentation(changed);
        for (var i = index - 1; i >= 0; i--)
        {
            if (lines[i].Trim().Length > 0 && Indentation(lines[i]) < indent)
            {
                return lines[i];
            }
        }

        return null;
    }

    /// <summary>A list item's content starts after its dash, so "- a: 1" encloses "  b: 2".</summary>
    private static int Indentation(string line)
    {
        var spaces = line.Length - line.TrimStart(' ').Length;
        return line.AsSpan(spaces).StartsWith("- ") ? spaces + 1 : spaces;
    }
}
