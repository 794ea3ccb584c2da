using System.Globalization;

namespace ApisixPlugin.Benchmarks.Reporting;

/// <summary>
/// The lines a harness contributes to run.sh's final summary: printed as they are made and, when
/// run.sh passes --summary, appended to that file so the script can print all parts together.
/// </summary>
internal sealed class SummaryWriter(string? path)
{
    private readonly List<string> _lines = [];

    public void Line(string text = "")
    {
        Console.WriteLine(text);
        _lines.Add(text);
    }

    public void Flush()
    {
        if (!string.IsNullOrEmpty(path))
        {
            File.AppendAllLines(path, _lines);
        }
    }

    public static string Ms(double milliseconds) => milliseconds.ToString("0.00", CultureInfo.InvariantCulture);

    public static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
}
