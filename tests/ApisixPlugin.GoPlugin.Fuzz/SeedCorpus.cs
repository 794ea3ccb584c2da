using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Fuzz;

/// <summary>
/// Seeds made from Go-produced bytes (tests/goplugin-peer's gobdump folder): every dump as a gob
/// seed, and the net/rpc client dumps framed as a go-plugin host sends them over yamux.
/// </summary>
public static class SeedCorpus
{
    public static IReadOnlyList<(string Name, byte[] Bytes)> Gob(string gobdumpDirectory) =>
        Directory.GetFiles(gobdumpDirectory, "*.bin").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f)))
            .ToList();

    /// <summary>
    /// go-plugin's sequence: streams 1, 3 and 5 opened, the control dump on stream 1, a broker
    /// stream 7 with its id and a plugin-stream dump, window updates, a ping, FINs.
    /// </summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Yamux(string gobdumpDirectory)
    {
        var control = File.ReadAllBytes(Path.Combine(gobdumpDirectory, "netrpc-client-control.bin"));
        var seeds = new List<(string, byte[])>();
        // Only dumps that fit the initial 256 KiB window: the target grants no credit while it reads.
        foreach (var (name, plugin) in Gob(gobdumpDirectory)
            .Where(s => s.Name.StartsWith("netrpc-client-", StringComparison.Ordinal) && s.Bytes.Length < YamuxSession.InitialWindow))
        {
            var frames = new MemoryStream();
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0);
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 3, 0);
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 5, 0);
            Data(frames, 1, control);
            Frame(frames, YamuxFrameType.Ping, YamuxFlags.Syn, 0, 7);
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 7, 0);
            Data(frames, 7, [1, 0, 0, 0]);
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.None, 7, 4);
            Data(frames, 7, plugin);
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.Fin, 7, 0);
            Frame(frames, YamuxFrameType.WindowUpdate, YamuxFlags.Fin, 1, 0);
            Frame(frames, YamuxFrameType.GoAway, YamuxFlags.None, 0, 0);
            seeds.Add(("yamux-" + name, frames.ToArray()));
        }
        return seeds;
    }

    /// <summary>Writes both targets' seeds into <c>out/gob</c> and <c>out/yamux</c>, one file each.</summary>
    public static void Write(string gobdumpDirectory, string outDirectory)
    {
        foreach (var (target, seeds) in new[] { ("gob", Gob(gobdumpDirectory)), ("yamux", Yamux(gobdumpDirectory)) })
        {
            var folder = Directory.CreateDirectory(Path.Combine(outDirectory, target)).FullName;
            foreach (var (name, bytes) in seeds)
            {
                File.WriteAllBytes(Path.Combine(folder, name + ".bin"), bytes);
            }
        }
    }

    /// <summary>Data cut at yamux's frame size, as the peer's window allows (256 KiB at a time, credit assumed).</summary>
    private static void Data(Stream output, uint stream, byte[] payload)
    {
        for (var offset = 0; offset < payload.Length; offset += YamuxStream.MaxDataFrame)
        {
            var length = Math.Min(YamuxStream.MaxDataFrame, payload.Length - offset);
            Frame(output, YamuxFrameType.Data, YamuxFlags.None, stream, (uint)length);
            output.Write(payload, offset, length);
        }
    }

    private static void Frame(Stream output, YamuxFrameType type, YamuxFlags flags, uint stream, uint length)
    {
        Span<byte> header = stackalloc byte[YamuxHeader.Size];
        YamuxHeader.Create(type, flags, stream, length).WriteTo(header);
        output.Write(header);
    }
}
