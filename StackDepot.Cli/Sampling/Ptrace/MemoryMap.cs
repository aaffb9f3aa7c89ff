using System.Globalization;

namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// The mappings of a process (<c>/proc/PID/maps</c>), to find where the stack that holds a stack pointer ends: the
/// copy of a thread's stack runs from its stack pointer to the end of the mapping that holds it.
/// </summary>
internal sealed class MemoryMap
{
    private ulong[] _starts = [];
    private ulong[] _ends = [];

    /// <summary>Mappings loaded.</summary>
    public int Count => _starts.Length;

    /// <summary>Reads the mappings of <paramref name="pid"/>; false when the process is gone or unreadable.</summary>
    public bool Load(int pid)
    {
        var starts = new List<ulong>(256);
        var ends = new List<ulong>(256);
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/maps"))
            {
                int dash = line.IndexOf('-', StringComparison.Ordinal);
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                if (dash <= 0 || space <= dash ||
                    !ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start) ||
                    !ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end))
                {
                    continue;
                }

                starts.Add(start);
                ends.Add(end);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        _starts = [.. starts];
        _ends = [.. ends];
        return true;
    }

    /// <summary>The end of the mapping that holds <paramref name="address"/>; 0 when none does.</summary>
    public ulong EndOf(ulong address)
    {
        int index = Array.BinarySearch(_starts, address);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && address < _ends[index] ? _ends[index] : 0;
    }
}
