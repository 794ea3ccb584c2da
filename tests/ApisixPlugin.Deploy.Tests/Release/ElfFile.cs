using System.Text;

namespace ApisixPlugin.Deploy.Tests.Release;

/// <summary>The parts of a 64-bit little-endian ELF header the platform checks read.</summary>
internal sealed class ElfFile
{
    public const ushort MachineX8664 = 62;
    public const ushort MachineAarch64 = 183;
    private const uint PtInterp = 3;

    private readonly byte[] _bytes;

    private ElfFile(byte[] bytes) => _bytes = bytes;

    public static ElfFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || !bytes.AsSpan(0, 4).SequenceEqual("\u007fELF"u8))
        {
            throw new InvalidDataException($"{path} is not an ELF file");
        }

        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file (class {bytes[4]}, data {bytes[5]})");
        }

        return new ElfFile(bytes);
    }

    public ushort Machine => BitConverter.ToUInt16(_bytes, 0x12);

    /// <summary>The program interpreter (PT_INTERP) a dynamic executable names; null for a static one.</summary>
    public string? Interpreter
    {
        get
        {
            var table = BitConverter.ToInt64(_bytes, 0x20);
            var size = BitConverter.ToUInt16(_bytes, 0x36);
            var count = BitConverter.ToUInt16(_bytes, 0x38);
            for (var i = 0; i < count; i++)
            {
                var header = (int)table + (i * size);
                if (BitConverter.ToUInt32(_bytes, header) == PtInterp)
                {
                    var offset = (int)BitConverter.ToInt64(_bytes, header + 0x08);
                    var length = (int)BitConverter.ToInt64(_bytes, header + 0x20);
                    return Encoding.ASCII.GetString(_bytes, offset, length).TrimEnd('\0');
                }
            }

            return null;
        }
    }
}
