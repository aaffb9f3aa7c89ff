using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>
/// <c>--group-by frame</c> names every address distinctly. ClrMD does not know the code of every frame: a ReadyToRun
/// P/Invoke stub seen in a real process (Interop+Sys.WaitForSocketEvents) reported a zero-sized hot region at a
/// precode address, below or above the frame's instruction pointer. Offsets from that start were dropped (below) or
/// nonsense (above, tens of megabytes), so two different addresses printed alike.
/// </summary>
public class CodeOffsetTests
{
    [Fact]
    public void An_address_in_the_hot_or_cold_code_prints_its_offset()
    {
        var regions = new HotColdRegions(0x7000_1000, 0x200, 0x7000_9000, 0x80);

        Assert.Equal("+ 0x0", ClrFrameNamer.CodeOffset(0x7000_1000, regions));
        Assert.Equal("+ 0x1ff", ClrFrameNamer.CodeOffset(0x7000_11ff, regions));
        Assert.Equal("+ 0x10 (cold)", ClrFrameNamer.CodeOffset(0x7000_9010, regions));
    }

    [Fact]
    public void Addresses_outside_the_known_code_print_as_themselves_and_never_alike()
    {
        // The regions ClrMD gave for the stub; the stub's code was elsewhere in the image.
        var stub = new HotColdRegions(0x7efd_97c4_3240, 0, 0, 0);
        ulong above = 0x7efd_9990_d495, alsoAbove = 0x7efd_9990_d4a0, below = 0x7efd_97c4_0010, alsoBelow = 0x7efd_97c4_0020;

        string[] names = [.. new[] { above, alsoAbove, below, alsoBelow }.Select(ip => ClrFrameNamer.CodeOffset(ip, stub))];

        Assert.Equal(["@ 0x7efd9990d495", "@ 0x7efd9990d4a0", "@ 0x7efd97c40010", "@ 0x7efd97c40020"], names);
        Assert.Equal(names.Length, names.Distinct().Count());

        // Just past the end of a known region is outside it too.
        Assert.Equal("@ 0x70001200", ClrFrameNamer.CodeOffset(0x7000_1200, new HotColdRegions(0x7000_1000, 0x200, 0, 0)));
    }
}
