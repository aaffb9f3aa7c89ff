using System.Runtime.InteropServices;

namespace StackDepot.Diagnostics;

/// <summary>
/// One thread's counts for one depot, written only by that thread with plain stores (see <see cref="DepotCounters"/>).
/// Padded so that two threads' cells never share a cache line.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal sealed class CounterCell
{
#pragma warning disable CS0169, IDE0051 // padding fields are never read
    private long _pad0, _pad1, _pad2, _pad3, _pad4, _pad5, _pad6, _pad7;
#pragma warning restore CS0169, IDE0051

    /// <summary>Saves of non-empty stacks.</summary>
    public long Saves;

    /// <summary>Saves answered by an existing record.</summary>
    public long Hits;

    /// <summary>Saves of stacks longer than the depot's maximum.</summary>
    public long Truncated;

    /// <summary>Puts that dropped a reference.</summary>
    public long Puts;

#pragma warning disable CS0169, IDE0051
    private long _pad8, _pad9, _pad10, _pad11, _pad12, _pad13, _pad14, _pad15;
#pragma warning restore CS0169, IDE0051
}
