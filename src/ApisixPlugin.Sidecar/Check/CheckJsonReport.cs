using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Core.Traffic;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Sidecar.Check;

/// <summary>
/// <c>check --output json</c>: one document, written field by field (no reflection, for NativeAOT).
/// README describes the fields; statuses are "pass", "warn" and "fail". Quotes in messages stay
/// readable (relaxed escaping), as simulate prints its JSON; the document goes to a terminal or a
/// JSON reader, never into HTML.
/// </summary>
internal static class CheckJsonReport
{
    public static string Write(CheckReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("pluginName", report.PluginName);
            json.WriteString("server", report.Server);
            WriteNullable(json, "namespace", report.Namespace);
            json.WriteBoolean("allNamespaces", report.Namespace is null);
            WriteNullable(json, "rollout", report.Rollout);
            json.WriteString("controllerConfigMap", report.ControllerConfigMap);
            json.WriteString("result", Status(PreflightFinding.Worst(report.AllFindings)));
            json.WriteStartObject("counts");
            foreach (var status in Enum.GetValues<FindingStatus>())
            {
                json.WriteNumber(Status(status), report.Count(status));
            }

            json.WriteEndObject();
            WriteFindings(json, report.General);
            json.WriteStartArray("rollouts");
            foreach (var rollout in report.Rollouts)
            {
                json.WriteStartObject();
                json.WriteString("namespace", rollout.Namespace);
                json.WriteString("name", rollout.Name);
                json.WriteString("result", Status(PreflightFinding.Worst(rollout.Findings)));
                WriteFindings(json, rollout.Findings);
                WriteTraffic(json, rollout.Traffic ?? []);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteFindings(Utf8JsonWriter json, IReadOnlyList<PreflightFinding> findings)
    {
        json.WriteStartArray("findings");
        foreach (var finding in findings)
        {
            json.WriteStartObject();
            json.WriteString("status", Status(finding.Status));
            json.WriteString("check", finding.Check);
            json.WriteString("subject", finding.Subject);
            json.WriteString("message", finding.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>simulate's traffic entries (TrafficJson), with what they rest on: the generation and whether the Services were read.</summary>
    private static void WriteTraffic(Utf8JsonWriter json, IReadOnlyList<LiveRuleTraffic> traffic)
    {
        json.WriteStartArray("traffic");
        foreach (var rule in traffic)
        {
            var node = TrafficJson.Rule(rule.Traffic);
            node["controllerGeneration"] = rule.Generation switch
            {
                ControllerGeneration.V1 => "1.x",
                ControllerGeneration.V2 => "2.x",
                _ => null,
            };
            node["servicesRead"] = rule.ServicesProblem is null;
            node["servicesProblem"] = rule.ServicesProblem;
            node.WriteTo(json);
        }

        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    public static string Status(FindingStatus status) => status switch
    {
        FindingStatus.Pass => "pass",
        FindingStatus.Warn => "warn",
        _ => "fail",
    };
}
