namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// What one gob stream may cost. The controller's real messages are small: a Rollout plus the
/// step's arguments, a few KiB, a few hundred KiB with large annotations (Kubernetes refuses an
/// object over 1.5 MiB anyway). Each cap leaves a wide margin above that and still keeps one
/// hostile stream well inside a container's memory: at most one message buffer plus one decoded
/// value, about 48 MiB. Exceeding any of them is a GobException, which ends that stream.
/// </summary>
internal static class GobLimits
{
    /// <summary>One message: ten times the largest object Kubernetes stores.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>
    /// All messages one value is read from: an interface's first use pulls its type definitions
    /// from further messages mid-value; together they may not exceed what one message may hold.
    /// </summary>
    public const int MaxValueWireBytes = MaxMessageBytes;

    /// <summary>
    /// The decoded tree of one value may cost this many bytes per byte of the messages it came
    /// from. Measured on Go-produced Rollouts: about 12 (many small fields and names; the 64 KiB
    /// slack covers those of a few KiB), about 2 when annotations dominate; one-byte elements
    /// reach 40 (a node and an array each). Thirty-two leaves real values a wide margin and
    /// refuses the worst blow-up before the absolute cap is reached.
    /// </summary>
    public const int DecodedBytesPerWireByte = 32;

    /// <summary>
    /// Allowed on top of the multiple, so that tiny messages (a 3-byte empty struct still
    /// becomes a 48-byte node) never hit the ratio.
    /// </summary>
    public const int DecodedSlackBytes = 64 * 1024;

    /// <summary>
    /// The absolute cap on one decoded value, whatever its message: twice the largest message,
    /// as a 16 MiB message of text decodes to 32 MiB of UTF-16.
    /// </summary>
    public const int MaxDecodedBytes = 32 * 1024 * 1024;

    /// <summary>
    /// Type definitions one stream may send over its life (they stay in memory as long as the
    /// stream): argo-rollouts' types take about 7 KB; this is more than thirty times that.
    /// </summary>
    public const int MaxDefinitionBytesPerStream = 256 * 1024;

    /// <summary>Deeper than any Rollout (about 20 levels); stops stack exhaustion on hostile input.</summary>
    public const int MaxDepth = 100;

    /// <summary>Go's registered type names are a few dozen bytes.</summary>
    public const int MaxInterfaceNameBytes = 1024;
}
