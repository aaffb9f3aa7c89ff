using System.Buffers.Binary;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.Tests.Async;

/// <summary>Writes into the memory an ELF core file holds: finds the PT_LOAD segment that maps an address.</summary>
internal static class CoreFilePatcher
{
    private const uint PtLoad = 1;

    /// <summary>Overwrites the pointer-sized word at <paramref name="address"/> of the dumped process.</summary>
    public static void WritePointer(string core, ulong address, ulong value)
    {
        using FileStream stream = File.Open(core, FileMode.Open, FileAccess.ReadWrite);
        ElfHeader header = ElfHeader.Read(stream) ?? throw new InvalidDataException(core + " is not an ELF file");
        Assert.True(header.Is64Bit && header.Type == ElfHeader.TypeCore && header.ProgramHeaderCount != 0xffff);
        var entry = new byte[header.ProgramHeaderSize];
        for (int i = 0; i < header.ProgramHeaderCount; i++)
        {
            stream.Position = (long)header.ProgramHeaderOffset + ((long)i * header.ProgramHeaderSize);
            stream.ReadExactly(entry);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(8));
            ulong start = BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(16));
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(32));
            if (type == PtLoad && address >= start && address + 8 <= start + size)
            {
                stream.Position = (long)(offset + (address - start));
                Span<byte> word = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(word, value);
                stream.Write(word);
                return;
            }
        }

        throw new InvalidOperationException($"0x{address:x} is not in the dump's memory");
    }
}
