using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StackDepot.Cli.Targets;

/// <summary>What the first bytes of an ELF file (an executable or a core dump) say.</summary>
internal sealed record ElfHeader(bool Is64Bit, ushort Type, ushort Machine, ulong ProgramHeaderOffset, ushort ProgramHeaderSize, int ProgramHeaderCount, ulong SectionHeaderOffset)
{
    public const ushort TypeCore = 4;

    /// <summary>Reads the header of <paramref name="stream"/>; null when it is not an ELF file.</summary>
    public static ElfHeader? Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[64];
        stream.Position = 0;
        int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < 52 || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F' || header[5] != 1)
        {
            return null; // not ELF, or big-endian (no .NET target)
        }

        bool is64 = header[4] == 2;
        if (is64 && read < 64)
        {
            return null;
        }

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(header[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(header[18..]);
        return is64
            ? new ElfHeader(true, type, machine, BinaryPrimitives.ReadUInt64LittleEndian(header[32..]),
                BinaryPrimitives.ReadUInt16LittleEndian(header[54..]), BinaryPrimitives.ReadUInt16LittleEndian(header[56..]),
                BinaryPrimitives.ReadUInt64LittleEndian(header[40..]))
            : new ElfHeader(false, type, machine, BinaryPrimitives.ReadUInt32LittleEndian(header[28..]),
                BinaryPrimitives.ReadUInt16LittleEndian(header[42..]), BinaryPrimitives.ReadUInt16LittleEndian(header[44..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[32..]));
    }

    /// <summary>The architecture named by <see cref="Machine"/>, when it is one .NET runs on.</summary>
    public Architecture? Architecture => Machine switch
    {
        3 => System.Runtime.InteropServices.Architecture.X86,
        0x3e => System.Runtime.InteropServices.Architecture.X64,
        0x28 => System.Runtime.InteropServices.Architecture.Arm,
        0xb7 => System.Runtime.InteropServices.Architecture.Arm64,
        0xf3 => System.Runtime.InteropServices.Architecture.RiscV64,
        0x102 => System.Runtime.InteropServices.Architecture.LoongArch64,
        0x16 => System.Runtime.InteropServices.Architecture.S390x,
        0x15 => System.Runtime.InteropServices.Architecture.Ppc64le,
        _ => null,
    };

    /// <summary>A printable name of the machine, known or not.</summary>
    public string MachineName => Architecture?.ToString().ToLowerInvariant() ?? $"ELF machine 0x{Machine:x}";

    /// <summary>
    /// The end of the last byte the program headers (core segments) refer to, or null when the program header table
    /// itself lies beyond <paramref name="fileLength"/>. A core file shorter than this is truncated.
    /// </summary>
    public ulong? RequiredLength(Stream stream, long fileLength)
    {
        int count = ProgramHeaderCount;
        if (count == 0xffff && Is64Bit)
        {
            // PN_XNUM: the real count is in sh_info of section header 0.
            Span<byte> section = stackalloc byte[4];
            if (SectionHeaderOffset + 48 > (ulong)fileLength)
            {
                return null;
            }

            stream.Position = (long)SectionHeaderOffset + 44;
            stream.ReadExactly(section);
            count = (int)BinaryPrimitives.ReadUInt32LittleEndian(section);
        }

        ulong tableEnd = ProgramHeaderOffset + ((ulong)ProgramHeaderSize * (ulong)count);
        if (tableEnd > (ulong)fileLength || ProgramHeaderSize < (Is64Bit ? 56 : 32))
        {
            return null;
        }

        ulong end = tableEnd;
        var entry = new byte[ProgramHeaderSize];
        for (int i = 0; i < count; i++)
        {
            stream.Position = (long)ProgramHeaderOffset + ((long)i * ProgramHeaderSize);
            stream.ReadExactly(entry);
            ulong offset = Is64Bit ? BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(4));
            ulong size = Is64Bit ? BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(32)) : BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(16));
            end = Math.Max(end, offset + size);
        }

        return end;
    }
}
